// Package iamapi holds the IAM wire types generated from the official model
// (aws-sdk-go models/apis/iam/2010-05-08) for the operations in operations.txt,
// and the Service value the awsquery codec and the API router use.
//
// Do not edit zz_generated.go: add the operation to operations.txt and run
// go generate ./internal/awsquery/...
package iamapi

//go:generate go run ../gen -model models/apis/iam/2010-05-08/api-2.json
