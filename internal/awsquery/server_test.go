package awsquery_test

import (
	"bytes"
	"fmt"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
)

// handlerFunc fills out for a decoded in, or fails with an *awserr.Error.
type handlerFunc func(action string, in, out any) error

// fakeAPI is the smallest server the codec needs: parse the form (POST body or
// GET query string), look the action up, decode, call the handler, encode. It
// records the last decoded input per action for the tests to inspect.
type fakeAPI struct {
	svc    *awsquery.Service
	handle handlerFunc

	mu     sync.Mutex
	n      int
	inputs map[string]any
	lastID string
}

func startAPI(t *testing.T, svc *awsquery.Service, handle handlerFunc) (*fakeAPI, *httptest.Server) {
	t.Helper()
	api := &fakeAPI{svc: svc, handle: handle, inputs: map[string]any{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv
}

func (a *fakeAPI) input(action string) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inputs[action]
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.n++
	reqID := fmt.Sprintf("req-%04d", a.n)
	a.lastID = reqID
	a.mu.Unlock()
	w.Header().Set("x-amzn-RequestId", reqID)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fail := func(e *awserr.Error) {
		w.WriteHeader(e.Status)
		a.svc.WriteError(w, e, reqID)
	}
	if err := r.ParseForm(); err != nil {
		fail(awserr.BadRequest("MalformedQueryString", "%v", err))
		return
	}
	params := url.Values{}
	for k, v := range r.Form {
		if k != "Action" && k != "Version" && !strings.HasPrefix(k, "X-Amz-") {
			params[k] = v
		}
	}
	action := r.Form.Get("Action")
	op := a.svc.Operations[action]
	if op == nil {
		fail(awserr.BadRequest("InvalidAction", "The action %s is not valid for this web service.", action))
		return
	}
	in := op.NewInput()
	if err := a.svc.Decode(params, in); err != nil {
		e, _ := awserr.As(err)
		fail(e)
		return
	}
	a.mu.Lock()
	a.inputs[action] = in
	a.mu.Unlock()
	out := op.NewOutput()
	if err := a.handle(action, in, out); err != nil {
		e, ok := awserr.As(err)
		if !ok {
			e = awserr.New(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
		}
		fail(e)
		return
	}
	var body bytes.Buffer
	if err := a.svc.WriteResponse(&body, action, reqID, out); err != nil {
		fail(awserr.New(http.StatusInternalServerError, "InternalError", "%v", err))
		return
	}
	w.Write(body.Bytes())
}

// sdkConfig is a hermetic client configuration: static keys, one attempt so an
// error test does not sit in retry back-off, nothing read from the environment.
func sdkConfig() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	}
}

// ignoreUnexported lets cmp compare SDK types, which carry unexported
// serde markers, without listing every type.
var ignoreUnexported = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())
