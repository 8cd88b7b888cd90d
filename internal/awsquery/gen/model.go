package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// model is the part of an AWS api-2.json model the codec needs.
type model struct {
	Metadata struct {
		APIVersion     string `json:"apiVersion"`
		EndpointPrefix string `json:"endpointPrefix"`
		SigningName    string `json:"signingName"`
		Protocol       string `json:"protocol"`
		XMLNamespace   string `json:"xmlNamespace"`
		JSONVersion    string `json:"jsonVersion"`
		TargetPrefix   string `json:"targetPrefix"`
	} `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *shapeRef `json:"input"`
	Output *shapeRef `json:"output"`
}

// shapeRef is a reference to a shape with the traits of the reference: a
// structure member, a list member, a map key or value, an operation's input or
// output.
type shapeRef struct {
	Shape           string `json:"shape"`
	Location        string `json:"location"` // uri, querystring, header, headers, statusCode (rest protocols)
	LocationName    string `json:"locationName"`
	QueryName       string `json:"queryName"`
	Flattened       bool   `json:"flattened"`
	TimestampFormat string `json:"timestampFormat"`
	ResultWrapper   string `json:"resultWrapper"`
}

type shape struct {
	Type            string    `json:"type"`
	Members         members   `json:"members"`
	Required        []string  `json:"required"`
	Member          *shapeRef `json:"member"`
	Key             *shapeRef `json:"key"`
	Value           *shapeRef `json:"value"`
	Enum            []string  `json:"enum"`
	Flattened       bool      `json:"flattened"`
	TimestampFormat string    `json:"timestampFormat"`
	Payload         string    `json:"payload"`  // rest protocols: the member that is the whole body
	Document        bool      `json:"document"` // an untyped JSON document
}

// member is a named structure member.
type member struct {
	Name string
	Ref  shapeRef
}

// members keeps the model's member order, which encoding/json's maps would
// lose: responses list members in model order, as AWS does.
type members []member

// UnmarshalJSON reads the members object key by key.
func (m *members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("members: want an object, got %v (%v)", tok, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var ref shapeRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*m = append(*m, member{Name: name, Ref: ref})
	}
	_, err := dec.Token()
	return err
}

func loadModel(path string) (*model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &m, nil
}
