// Package ceapi holds the Cost Explorer wire types generated from the official
// model (aws-sdk-go models/apis/ce/2017-10-25, protocol awsJson1_1) for the
// operations in operations.txt, and the Service value the awsjson codec and
// the API router use.
//
// Do not edit zz_generated.go: add the operation to operations.txt and run
// go generate ./internal/awsjson/...
package ceapi

//go:generate go run ../../awsquery/gen -model models/apis/ce/2017-10-25/api-2.json
