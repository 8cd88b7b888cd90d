// Package awsquery owns the wire codec of the AWS query protocols: it turns the
// form parameters of an EC2 ("ec2") or awsQuery ("query") request into a typed
// input struct, and a typed output struct or an error into the XML body the AWS
// SDKs expect.
//
// The types it works on are generated from the official AWS models by ./gen into
// the per-service packages (ec2api, stsapi, iamapi, …), one struct per model
// structure shape. The codec knows nothing about a service beyond what the struct
// tags and the generated [Service] value tell it, so adding an operation never
// touches this package.
//
// # Struct tags
//
// Every wire field carries one tag, key "aws", whose first element is the model
// member name and whose remaining comma-separated options copy the model traits
// the codec needs:
//
//	aws:"Name[,loc=L][,qn=Q][,req][,flat][,member=M][,key=K][,value=V][,ts=F]"
//
//	loc=L     the member's locationName
//	qn=Q      the member's queryName (EC2 only)
//	req       the member is in the structure's required list
//	flat      the member or its list/map shape is flattened
//	member=M  locationName of the list shape's member
//	key=K     locationName of the map shape's key (default "key")
//	value=V   locationName of the map shape's value (default "value")
//	ts=F      timestampFormat: iso8601 (default), unixTimestamp or rfc822
//
// The value kind comes from the Go type: *string, *bool, *int32, *int64,
// *float64, *time.Time, []byte (blob), *Struct, []Elem and map[string]V. Fields
// without an "aws" tag are ignored. Names are resolved per protocol from these
// raw traits, not at generation time, so the rules live in one place (plan.go):
//
//   - EC2 request name: qn, else loc with its first letter capitalised, else Name.
//     Lists are flat and 1-based: Name.1, Name.2.
//   - Query request name: loc, else Name. Lists are Name.member.N (M instead of
//     "member" when set); flattened lists are Name.N with Name replaced by M when
//     set; maps are Name.entry.N.key / Name.entry.N.value.
//   - EC2 response element: loc, else Name in lowerCamel; list elements <item>.
//   - Query response element: loc, else Name; list elements <member> (or M).
//
// Plans derived from the tags are cached per Go type, so a request pays for
// reflection over values only, never for tag parsing.
package awsquery
