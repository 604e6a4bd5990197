/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package fakeclb

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm = "TC3-HMAC-SHA256"
	service   = "clb"
	// maxSkew is how far the signed timestamp may be from now; the real API also refuses stale signatures.
	maxSkew = 5 * time.Minute
)

// authenticate checks the request the way the API does before it looks at the action: POST with a JSON body and
// a TC3-HMAC-SHA256 signature recomputed from what arrived, so a client that signs anything differently from
// what it sends fails here as it would in production.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	if r.Method != http.MethodPost {
		return errorf("UnsupportedProtocol", "method %s is not served by this fake, only POST", r.Method)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errorf("UnsupportedProtocol", "content type %q is not served by this fake, only application/json",
			r.Header.Get("Content-Type"))
	}

	auth := r.Header.Get("Authorization")
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != algorithm {
		return errorf("AuthFailure.InvalidAuthorization", "authorization %q does not use %s", auth, algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	credential, signedHeaders, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if credential == "" || signedHeaders == "" || signature == "" {
		return errorf("AuthFailure.InvalidAuthorization", "authorization %q lacks Credential, SignedHeaders or Signature", auth)
	}
	secretID, scope, ok := strings.Cut(credential, "/")
	if !ok {
		return errorf("AuthFailure.InvalidAuthorization", "credential %q is not SecretId/date/service/tc3_request", credential)
	}
	if secretID != s.secretID {
		return errorf("AuthFailure.SecretIdNotFound", "SecretId %q is not known", secretID)
	}

	timestamp := r.Header.Get("X-TC-Timestamp")
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errorf("AuthFailure.InvalidAuthorization", "X-TC-Timestamp %q is not a Unix time", timestamp)
	}
	signedAt := time.Unix(ts, 0)
	if d := time.Since(signedAt); d > maxSkew || d < -maxSkew {
		return errorf("AuthFailure.SignatureExpire", "signature timestamp %s is more than %s from now", signedAt.UTC(), maxSkew)
	}
	// The scope is derived from the timestamp, not taken from the header, so a scope that disagrees with the
	// timestamp or names another service cannot verify.
	date := signedAt.UTC().Format("2006-01-02")
	wantScope := date + "/" + service + "/tc3_request"
	if scope != wantScope {
		return errorf("AuthFailure.SignatureFailure", "credential scope %q does not match %q", scope, wantScope)
	}

	var canonicalHeaders strings.Builder
	names := strings.Split(signedHeaders, ";")
	hasHost, hasType := false, false
	for _, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		value := r.Header.Get(name)
		if name == "host" {
			// Go moves Host out of the header map. Values are not lower-cased: the SDK signs them as sent.
			value = r.Host
			hasHost = true
		}
		hasType = hasType || name == "content-type"
		canonicalHeaders.WriteString(name + ":" + strings.TrimSpace(value) + "\n")
	}
	if !hasHost || !hasType {
		return errorf("AuthFailure.InvalidAuthorization", "SignedHeaders %q must include content-type and host", signedHeaders)
	}

	payloadHash := sha256Hex(body)
	if r.Header.Get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD" {
		payloadHash = sha256Hex([]byte("UNSIGNED-PAYLOAD"))
	}
	uri := r.URL.Path
	if uri == "" {
		uri = "/"
	}
	canonicalRequest := strings.Join([]string{
		r.Method, uri, r.URL.RawQuery, canonicalHeaders.String(), signedHeaders, payloadHash,
	}, "\n")
	stringToSign := strings.Join([]string{
		algorithm, timestamp, wantScope, sha256Hex([]byte(canonicalRequest)),
	}, "\n")

	key := hmacSHA256([]byte("TC3"+s.secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return errorf("AuthFailure.SignatureFailure",
			"the provided credentials could not be validated: signature does not match the request")
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
