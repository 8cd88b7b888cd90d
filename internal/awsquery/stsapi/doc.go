// Package stsapi holds the STS wire types generated from the official model
// (aws-sdk-go models/apis/sts/2011-06-15) for the operations in operations.txt,
// and the Service value the awsquery codec and the API router use.
//
// Do not edit zz_generated.go: add the operation to operations.txt and run
// go generate ./internal/awsquery/...
package stsapi

//go:generate go run ../gen -model models/apis/sts/2011-06-15/api-2.json
