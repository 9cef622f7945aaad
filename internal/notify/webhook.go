package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a signed delivery (the Standard Webhooks convention,
// https://www.standardwebhooks.com, spec 1.0.0).
const (
	HeaderID        = "webhook-id"        // the event ID: the idempotency key, the same on every retry
	HeaderTimestamp = "webhook-timestamp" // Unix seconds of this attempt
	HeaderSignature = "webhook-signature" // space-separated "v1,<base64 HMAC-SHA256>" entries
)

// SecretPrefix starts every subscription secret; the rest is the base64 of
// the 32 key bytes.
const SecretPrefix = "whsec_"

// DefaultTolerance is the replay window Verify allows on either side of the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// NewSecret returns a new random subscription secret ("whsec_" + base64 of
// 32 bytes).
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey decodes a "whsec_…" secret into its key bytes.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("the secret does not start with %q", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 16 {
		return nil, errors.New("the secret is not the base64 of at least 16 bytes")
	}
	return key, nil
}

// Sign returns the webhook-signature value for a delivery: "v1," and the
// base64 HMAC-SHA256, under the secret's key, of id "." timestamp "." body.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + mac(key, id, strconv.FormatInt(ts.Unix(), 10), body), nil
}

func mac(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SetHeaders signs body and sets the three webhook headers on h.
func SetHeaders(h http.Header, secret, id string, ts time.Time, body []byte) error {
	sig, err := Sign(secret, id, ts, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Errors Verify returns (wrapped with detail).
var (
	ErrMissingHeader = errors.New("webhook header missing")
	ErrTimestamp     = errors.New("webhook timestamp outside the replay window")
	ErrSignature     = errors.New("no webhook signature matches")
)

// Verify checks a received delivery for a receiver: the three headers are
// present, the timestamp lies within tolerance of now (0 means
// DefaultTolerance), and one of the "v1," signatures is the HMAC of id,
// timestamp and body under secret (compared in constant time). It returns
// the webhook-id, which the receiver uses as the idempotency key: a delivery
// whose ID it has processed already is a retry of the same event. Receivers
// call it with the raw body as read, before parsing it.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	for name, v := range map[string]string{HeaderID: id, HeaderTimestamp: tsText, HeaderSignature: sigs} {
		if v == "" {
			return "", fmt.Errorf("%w: %s", ErrMissingHeader, name)
		}
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: %s %q is not Unix seconds", ErrTimestamp, HeaderTimestamp, tsText)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return "", fmt.Errorf("%w: %s is %s from now, the window is ±%s", ErrTimestamp, HeaderTimestamp, d.Round(time.Second), tolerance)
	}
	want := []byte(mac(key, id, tsText, body))
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if ok && v == "v1" && hmac.Equal([]byte(sig), want) {
			return id, nil
		}
	}
	return "", ErrSignature
}
