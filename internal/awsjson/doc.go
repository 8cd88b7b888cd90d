// Package awsjson owns the wire codec of the AWS JSON protocols: awsJson1_0
// and awsJson1_1 (POST / naming the operation in X-Amz-Target, as Cost
// Explorer does) and restJson1 (the operation is the method and path of its
// http.requestUri, as Savings Plans does). It turns a JSON request body into a
// typed input struct, and a typed output struct or an error into the JSON body
// and headers the AWS SDKs expect.
//
// The types it works on are generated from the official AWS models by
// internal/awsquery/gen into the per-service packages (ceapi,
// savingsplansapi, …). They carry the same "aws" struct tag as the query
// packages, with only the options a JSON protocol uses:
//
//	aws:"Name[,loc=L][,req][,ts=F]"
//
//	loc=L  the member's locationName: its JSON key when set, else Name
//	req    the member is in the structure's required list
//	ts=F   timestampFormat: unixTimestamp (the JSON default: epoch seconds
//	       as a number), iso8601 or rfc822 (strings)
//
// The value kind comes from the Go type, as in awsquery: *string, *bool,
// *int32, *int64, *float64, *time.Time, []byte (base64), *Struct, []Elem and
// map[string]V. Unknown JSON keys and nulls are ignored, as the Smithy
// protocols require of a server. Members the model binds to the URI, query
// string or headers are refused by the generator, so every member here
// travels in the body.
//
// Plans derived from the tags are cached per Go type.
package awsjson
