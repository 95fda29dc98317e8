package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

const (
	keyPrefix = "API-"
	// keyLength random characters give 32·log2(36) ≈ 165 bits of entropy.
	keyLength = 32
	// minKeyLength is what public secret scanners expect (API-[A-Z0-9]{26});
	// keys made by Octopus itself have 26–31 characters and may be imported.
	minKeyLength = 26
	// maxKeyLength bounds the work an attacker can make us hash per request.
	maxKeyLength = 128

	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// GuestKey is the key Octopus clients send for the guest account (OctopusCLI
// --apiKey help). It is not a valid stored key; a protocol that allows
// anonymous reads may treat it as Anonymous().
const GuestKey = "API-GUEST"

// GenerateKey returns a new key: "API-" and 32 characters of [A-Z0-9] from
// crypto/rand. go-octopusdeploy refuses any key not matching ^(API-)([A-Z\d])+$.
func GenerateKey() (string, error) {
	s, err := randomString(upperAlnum, keyLength)
	if err != nil {
		return "", err
	}
	return keyPrefix + s, nil
}

// ValidKeyFormat reports whether s is "API-" followed by 26 to 124 characters
// of [A-Z0-9].
func ValidKeyFormat(s string) bool {
	rest, ok := strings.CutPrefix(s, keyPrefix)
	if !ok || len(rest) < minKeyLength || len(s) > maxKeyLength {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// digest is what the store keeps of a key: hex(SHA-256(key)).
//
// Octopus hashes keys with salted PBKDF2, like passwords (octopus.com/blog/hashing-api-keys).
// A slow KDF protects low-entropy secrets against guessing; our keys carry
// ≥ 160 random bits, so guessing is hopeless at any hash speed, and an
// unsalted fast digest lets Authenticate find the row with one indexed lookup
// instead of a KDF run per stored key on every push.
func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// randomString returns n characters of alphabet (at most 256 characters long)
// drawn uniformly from crypto/rand; bytes past the largest multiple of
// len(alphabet) are rejected so no character is favoured.
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("auth: reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
