package awsjson

import (
	"net/http"
	"net/url"
	"testing"
)

func TestAction(t *testing.T) {
	rest := &Service{Protocol: RESTJSON, Known: map[string]HTTP{
		"CreateSavingsPlan": {Method: "POST", RequestURI: "/CreateSavingsPlan"},
		"GetFunction":       {Method: "GET", RequestURI: "/2015-03-31/functions/{FunctionName}"},
		"GetPolicy":         {Method: "GET", RequestURI: "/2015-03-31/functions/{FunctionName}/policy"},
		"ListFunctions":     {Method: "GET", RequestURI: "/2015-03-31/functions/"},
		"GetObject":         {Method: "GET", RequestURI: "/{Bucket}/{Key+}"},
		"GetObjectTagging":  {Method: "GET", RequestURI: "/{Bucket}/{Key+}?tagging"},
		"GetByID":           {Method: "GET", RequestURI: "/{Bucket}/{Key+}?x-id=GetByID"},
		"Root":              {Method: "GET", RequestURI: "/"},
	}}
	awsJSON := &Service{Protocol: JSON11, TargetPrefix: "AWSInsightsIndexService",
		Known: map[string]HTTP{"GetCostAndUsage": {Method: "POST", RequestURI: "/"}}}
	for _, tc := range []struct {
		name           string
		svc            *Service
		method, target string
		url            string
		want           string
	}{
		{"target", awsJSON, "POST", "AWSInsightsIndexService.GetCostAndUsage", "/", "GetCostAndUsage"},
		{"target of another service", awsJSON, "POST", "DynamoDB_20120810.GetItem", "/", "DynamoDB_20120810.GetItem"},
		{"no target", awsJSON, "POST", "", "/", ""},
		{"awsJson is POST only", awsJSON, "GET", "AWSInsightsIndexService.GetCostAndUsage", "/", ""},
		{"literal path", rest, "POST", "", "/CreateSavingsPlan", "CreateSavingsPlan"},
		{"method matters", rest, "GET", "", "/CreateSavingsPlan", ""},
		{"unknown path", rest, "POST", "", "/CreateSavingsPlans", ""},
		{"trailing slash is a different path", rest, "POST", "", "/CreateSavingsPlan/", ""},
		{"label", rest, "GET", "", "/2015-03-31/functions/f1", "GetFunction"},
		{"escaped label", rest, "GET", "", "/2015-03-31/functions/a%2Fb", "GetFunction"},
		{"literal after label", rest, "GET", "", "/2015-03-31/functions/f1/policy", "GetPolicy"},
		{"literal beats label", rest, "GET", "", "/2015-03-31/functions/", "ListFunctions"},
		{"greedy label", rest, "GET", "", "/b/k/e/y", "GetObject"},
		{"query literal wins", rest, "GET", "", "/b/key?tagging", "GetObjectTagging"},
		{"query value", rest, "GET", "", "/b/key?x-id=GetByID", "GetByID"},
		{"query value must match", rest, "GET", "", "/b/key?x-id=Other", "GetObject"},
		{"greedy label needs a segment", rest, "GET", "", "/b", ""},
		{"root", rest, "GET", "", "/", "Root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.svc.Action(tc.method, u, tc.target); got != tc.want {
				t.Errorf("Action(%s %s, %q) = %q, want %q", tc.method, tc.url, tc.target, got, tc.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	s := &Service{Known: map[string]HTTP{"A": {Method: "POST", RequestURI: "/a", ResponseCode: 201}, "B": {Method: "POST", RequestURI: "/b"}}}
	if s.Status("A") != http.StatusCreated || s.Status("B") != http.StatusOK {
		t.Errorf("statuses %d %d", s.Status("A"), s.Status("B"))
	}
}
