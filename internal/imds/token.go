package imds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net"
	"net/http"
	"strconv"
	"time"
)

const (
	tokenPath   = "/latest/api/token"
	ttlHeader   = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	tokenHeader = "X-Aws-Ec2-Metadata-Token"
	maxTokenTTL = 21600 // six hours, EC2's ceiling

	// A token is version | expiry (Unix ms, big endian) | HMAC-SHA256: 41
	// bytes, 56 characters of base64 — the length of an EC2 token. The MAC
	// covers the instance ID, which the token does not carry: a token only
	// verifies against the instance it was issued to, and reveals nothing.
	tokenVersion = 1
	tokenLen     = 1 + 8 + sha256.Size
)

// putToken issues an IMDSv2 session token.
func (s *Server) putToken(w http.ResponseWriter, r *http.Request, conn net.Conn, inst *Instance) {
	// A PUT relayed by a proxy carries X-Forwarded-For; EC2 refuses those so
	// that an open reverse proxy on the instance cannot mint tokens.
	if _, ok := r.Header["X-Forwarded-For"]; ok {
		writeError(w, http.StatusForbidden)
		return
	}
	// ParseUint rejects signs and spaces that Atoi would let through.
	ttl, err := strconv.ParseUint(r.Header.Get(ttlHeader), 10, 32)
	if err != nil || ttl < 1 || ttl > maxTokenTTL {
		writeError(w, http.StatusBadRequest)
		return
	}
	tok := s.mintToken(inst.InstanceID, s.clk.Now().Add(time.Duration(ttl)*time.Second))
	if conn != nil {
		// The hop limit is what keeps the token inside the instance (or its
		// containers, at 2+): the reply's packets die that many routers out.
		// Without it the protection is gone, so fail rather than answer.
		if err := s.setHopLimit(conn, inst.hopLimit()); err != nil {
			s.log.Error("imds set token hop limit", "instance_id", inst.InstanceID, "err", err)
			writeError(w, http.StatusInternalServerError)
			return
		}
	}
	// The Go SDK rejects a token reply that does not echo the TTL.
	w.Header().Set(ttlHeader, strconv.FormatUint(ttl, 10))
	writeText(w, []byte(tok))
}

// authorize applies IMDSv2 to a read. It writes the 401 itself and reports
// whether the request may go on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, inst *Instance) bool {
	vals := r.Header.Values(tokenHeader)
	if len(vals) == 0 {
		if inst.tokensRequired() {
			writeError(w, http.StatusUnauthorized)
			return false
		}
		return true // IMDSv1
	}
	// A token that is sent must be good even when tokens are optional, as on
	// EC2; otherwise clients would never learn to fetch a fresh one.
	left, ok := s.checkToken(vals[0], inst.InstanceID)
	if !ok {
		writeError(w, http.StatusUnauthorized)
		return false
	}
	w.Header().Set(ttlHeader, strconv.FormatInt(int64((left+time.Second-1)/time.Second), 10))
	return true
}

func (s *Server) mintToken(instanceID string, exp time.Time) string {
	var b [tokenLen]byte
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(exp.UnixMilli()))
	copy(b[9:], s.tokenMAC(b[:9], instanceID))
	return base64.StdEncoding.EncodeToString(b[:])
}

// checkToken verifies tok for instanceID and returns how long it has left.
func (s *Server) checkToken(tok, instanceID string) (time.Duration, bool) {
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || len(b) != tokenLen || b[0] != tokenVersion {
		return 0, false
	}
	if !hmac.Equal(b[9:], s.tokenMAC(b[:9], instanceID)) {
		return 0, false
	}
	exp := time.UnixMilli(int64(binary.BigEndian.Uint64(b[1:9])))
	left := exp.Sub(s.clk.Now())
	if left <= 0 {
		return 0, false
	}
	return left, true
}

func (s *Server) tokenMAC(head []byte, instanceID string) []byte {
	m := hmac.New(sha256.New, s.tokenKey[:])
	m.Write([]byte("kumo imds token\x00"))
	m.Write(head)
	m.Write([]byte(instanceID))
	return m.Sum(nil)
}
