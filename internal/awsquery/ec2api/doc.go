// Package ec2api holds the EC2 wire types generated from the official model
// (aws-sdk-go models/apis/ec2/2016-11-15) for the operations in operations.txt,
// and the Service value the awsquery codec and the API router use.
//
// Do not edit zz_generated.go: add the operation to operations.txt and run
// go generate ./internal/awsquery/...
package ec2api

//go:generate go run ../gen -model models/apis/ec2/2016-11-15/api-2.json
