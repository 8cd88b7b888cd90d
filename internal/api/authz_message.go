package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// MessageSealer seals the authorization failure messages EC2 puts in its
// UnauthorizedOperation errors. They say which statement decided and every
// condition key of the request, which the caller must not read without
// sts:DecodeAuthorizationMessage, so they are encrypted (AES-GCM) with a key
// the deployment keeps, and bound to the account they were issued to.
type MessageSealer struct {
	aead cipher.AEAD
}

// NewMessageSealer returns a sealer for a 32-byte key.
func NewMessageSealer(key []byte) (*MessageSealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("authorization message key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &MessageSealer{aead: aead}, nil
}

// ErrBadMessage means an encoded message is malformed, forged, or was issued
// to another account.
var ErrBadMessage = errors.New("api: invalid authorization message")

// Seal encrypts msg for account.
func (m *MessageSealer) Seal(account string, msg []byte) string {
	nonce := make([]byte, m.aead.NonceSize(), m.aead.NonceSize()+len(msg)+m.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(m.aead.Seal(nonce, nonce, msg, []byte(account)))
}

// Open decrypts a message sealed for account.
func (m *MessageSealer) Open(account, encoded string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil || len(b) < m.aead.NonceSize() {
		return nil, ErrBadMessage
	}
	n := m.aead.NonceSize()
	msg, err := m.aead.Open(nil, b[:n], b[n:], []byte(account))
	if err != nil {
		return nil, ErrBadMessage
	}
	return msg, nil
}

// The decoded message, in the shape AWS documents for DecodeAuthorizationMessage.
type (
	decodedMessage struct {
		Allowed           bool                    `json:"allowed"`
		ExplicitDeny      bool                    `json:"explicitDeny"`
		MatchedStatements items[matchedStatement] `json:"matchedStatements"`
		Failures          items[value]            `json:"failures"`
		Context           messageContext          `json:"context"`
	}
	items[T any] struct {
		Items []T `json:"items"`
	}
	value struct {
		Value string `json:"value"`
	}
	matchedStatement struct {
		StatementID     string        `json:"statementId"`
		Effect          string        `json:"effect"`
		Principals      items[value]  `json:"principals"`
		PrincipalGroups items[value]  `json:"principalGroups"`
		Actions         items[value]  `json:"actions"`
		Resources       items[value]  `json:"resources"`
		Conditions      items[keyVal] `json:"conditions"`
	}
	keyVal struct {
		Key    string       `json:"key"`
		Values items[value] `json:"values"`
	}
	messageContext struct {
		Principal  messagePrincipal `json:"principal"`
		Action     string           `json:"action"`
		Resource   string           `json:"resource"`
		Conditions items[keyVal]    `json:"conditions"`
	}
	messagePrincipal struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		ARN  string `json:"arn"`
	}
)

// failureMessage is the decoded authorization message of a refused request:
// the decision, the deny statement that decided (if one did), and the
// request's context with every condition key.
func failureMessage(r *Request, req *policy.Request, dec policy.Decision, st *policy.Statement) []byte {
	m := decodedMessage{
		ExplicitDeny:      dec == policy.ExplicitDeny,
		MatchedStatements: items[matchedStatement]{Items: []matchedStatement{}},
		Failures:          items[value]{Items: []value{}},
		Context: messageContext{
			Principal: messagePrincipal{ID: r.UserID, Name: r.PrincipalARN[strings.LastIndexByte(r.PrincipalARN, '/')+1:], ARN: r.PrincipalARN},
			Action:    req.Action,
			Resource:  req.Resource,
		},
	}
	if dec == policy.ExplicitDeny && st != nil {
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, matchedStatement{
			StatementID:     st.Sid,
			Effect:          "DENY",
			Principals:      valueItems([]string{r.UserID}),
			PrincipalGroups: valueItems(nil),
			Actions:         valueItems(append(st.Action, st.NotAction...)),
			Resources:       valueItems(append(st.Resource, st.NotResource...)),
			Conditions:      conditionItems(st.Condition),
		})
	}
	keys := make([]string, 0, len(req.Context))
	for k := range req.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m.Context.Conditions.Items = []keyVal{}
	for _, k := range keys {
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, keyVal{Key: k, Values: valueItems(req.Context[k])})
	}
	b, _ := json.Marshal(m)
	return b
}

func valueItems(vs []string) items[value] {
	out := items[value]{Items: make([]value, 0, len(vs))}
	for _, v := range vs {
		out.Items = append(out.Items, value{Value: v})
	}
	return out
}

func conditionItems(cs policy.Conditions) items[keyVal] {
	out := items[keyVal]{Items: []keyVal{}}
	for _, c := range cs {
		out.Items = append(out.Items, keyVal{Key: c.Operator + ":" + c.Key, Values: valueItems(c.Values)})
	}
	return out
}
