// Package savingsplansapi holds the Savings Plans wire types generated from the
// official model (aws-sdk-go models/apis/savingsplans/2019-06-28, protocol
// restJson1) for the operations in operations.txt, and the Service value the
// awsjson codec and the API router use.
//
// Do not edit zz_generated.go: add the operation to operations.txt and run
// go generate ./internal/awsjson/...
package savingsplansapi

//go:generate go run ../../awsquery/gen -model models/apis/savingsplans/2019-06-28/api-2.json
