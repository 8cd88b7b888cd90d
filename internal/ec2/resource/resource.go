// Package resource knows the kinds of EC2 resources: their id prefixes, where
// they are stored, and which errors name them. CreateTags, DescribeTags and
// the resource-type filters work on any registered kind through it.
package resource

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind describes one kind of resource.
type Kind struct {
	// Type is the AWS resource type, as in TagSpecification.ResourceType ("key-pair").
	Type string
	// Prefix is the id prefix without the dash ("key" for key-0123…).
	Prefix string
	// Store is the record kind in the store key (/kumo/<Store>/<region>/<account>/<id>).
	Store string
	// NotFound and Malformed are the AWS error codes for an unknown or badly
	// formed id of this kind.
	NotFound, Malformed string
	// Noun names the kind in error messages ("key pair").
	Noun string
}

var (
	mu     sync.RWMutex
	byPref = map[string]Kind{}
)

// Register adds a kind; families register theirs in init.
func Register(k Kind) {
	mu.Lock()
	defer mu.Unlock()
	byPref[k.Prefix] = k
}

// KindOfID returns the kind of an id by its prefix.
func KindOfID(id string) (Kind, bool) {
	i := strings.IndexByte(id, '-')
	if i <= 0 {
		return Kind{}, false
	}
	mu.RLock()
	defer mu.RUnlock()
	k, ok := byPref[id[:i]]
	return k, ok
}

// Kinds returns every registered kind, sorted by type.
func Kinds() []Kind {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Kind, 0, len(byPref))
	for _, k := range byPref {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// KindOfType returns the kind with the given AWS resource type.
func KindOfType(typ string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.Type == typ {
			return k, true
		}
	}
	return Kind{}, false
}

// NewID returns a fresh id of the kind: the prefix, a dash and 17 hex digits, as
// AWS's long ids.
func (k Kind) NewID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return k.Prefix + "-" + hex.EncodeToString(b)[:17]
}

// ValidID reports whether id is well formed for the kind.
func (k Kind) ValidID(id string) bool {
	rest, ok := strings.CutPrefix(id, k.Prefix+"-")
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	_, err := hex.DecodeString(rest + strings.Repeat("0", len(rest)%2))
	return err == nil && strings.ToLower(rest) == rest
}

// ListPrefix returns the store prefix of all records of the kind in one account and region.
func (k Kind) ListPrefix(region, account string) string {
	return store.Key(k.Store, region, account) + "/"
}

// Key returns the store key of one record.
func (k Kind) Key(region, account, id string) string {
	return store.Key(k.Store, region, account, id)
}

// Meta is the part every resource record shares; records embed it so tags can be
// handled for every kind alike.
type Meta struct {
	ID        string            `json:"id"`
	Account   string            `json:"account"`
	Region    string            `json:"region"`
	Tags      map[string]string `json:"tags,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Resource is what every record embedding Meta is.
type Resource interface{ ResourceMeta() *Meta }

// ResourceMeta returns the shared part of a record.
func (m *Meta) ResourceMeta() *Meta { return m }
