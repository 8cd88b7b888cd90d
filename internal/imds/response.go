package imds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// writeText sends a metadata value or listing. EC2 labels everything it
// serves text/plain, JSON documents included, and never serves ranges.
func writeText(w http.ResponseWriter, b []byte) {
	writeBody(w, "text/plain", b)
}

func writeBody(w http.ResponseWriter, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Accept-Ranges", "none")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// writeError sends EC2's error page, an XHTML document titled e.g.
// "404 - Not Found". EC2 has two templates, byte for byte as captured in
// AWS's own metadata mock: the old one for 404 and the IMDSv2-era one for
// the token errors (400, 401) and the rest.
func writeError(w http.ResponseWriter, status int) {
	title := strconv.Itoa(status) + " - " + http.StatusText(status)
	var body string
	if status == http.StatusNotFound {
		body = `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
	"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>` + title + `</title>
 </head>
 <body>
  <h1>` + title + `</h1>
 </body>
</html>`
	} else {
		body = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
   <head>
      <title>` + title + `</title>
   </head>
   <body>
      <h1>` + title + `</h1>
   </body>
</html>`
	}
	h := w.Header()
	h.Del(ttlHeader)
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// field is one member of a JSON object, kept in order.
type field struct {
	k string
	v any
}

// awsJSON renders an object the way EC2's metadata service does: members in
// a fixed order, two-space indent, and " : " between name and value. Tools
// parse it as JSON, but people diff it against real instances.
func awsJSON(fields ...field) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "  %s : %s", jsonValue(f.k), jsonValue(f.v))
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes()
}

// compactJSON renders a small object on one line, as EC2 does for spot and
// rebalance notices: {"action": "terminate", "time": "…"}.
func compactJSON(fields ...field) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", jsonValue(f.k), jsonValue(f.v))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func jsonValue(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null") // only strings, numbers and nil reach here
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// awsTime formats a time as EC2 metadata does: UTC, whole seconds.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
