package photo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
)

// S3Config configures an S3-compatible object store (AWS S3, MinIO, Ceph
// RGW, Aliyun OSS, Tencent COS …).
type S3Config struct {
	// Endpoint is the service's base URL, e.g. https://s3.cn-north-1.amazonaws.com.cn
	// or http://minio.intranet:9000.
	Endpoint  string
	Region    string // signing region; "us-east-1" when empty (what MinIO expects by default)
	Bucket    string
	AccessKey string
	SecretKey string
	// PathStyle addresses objects as endpoint/bucket/key (MinIO and most
	// self-hosted stores) instead of bucket.endpoint/key.
	PathStyle bool
	// Prefix is put in front of every key, e.g. "wenming/photos/".
	Prefix string
	Client *http.Client // nil: a client with a 60 s timeout
	Clock  clock.Clock  // nil: the system clock (the signature carries the time)
}

// S3Store keeps blobs in an S3 bucket. Requests are signed with AWS
// Signature Version 4 written out here (no SDK dependency for three calls).
type S3Store struct {
	cfg    S3Config
	base   *url.URL
	signer sigV4
}

// NewS3Store checks the configuration.
func NewS3Store(cfg S3Config) (*S3Store, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("photo S3 store: endpoint %q must be an http(s) URL", cfg.Endpoint)
	}
	if cfg.Bucket == "" || cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("photo S3 store: bucket, access key and secret key are required")
	}
	for _, c := range cfg.Bucket {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return nil, fmt.Errorf("photo S3 store: bucket name %q: only lower-case letters, digits, '-' and '.'", cfg.Bucket)
		}
	}
	if cfg.Prefix != "" {
		if err := ValidKey(strings.TrimSuffix(cfg.Prefix, "/")); err != nil {
			return nil, fmt.Errorf("photo S3 store: prefix: %w", err)
		}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return &S3Store{cfg: cfg, base: u, signer: sigV4{
		AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, Region: cfg.Region, Service: "s3",
	}}, nil
}

// objectURL returns the URL of key and its host.
func (s *S3Store) objectURL(key string) *url.URL {
	u := *s.base
	p := u.Path + "/" + s.cfg.Prefix + key
	if s.cfg.PathStyle {
		p = u.Path + "/" + s.cfg.Bucket + "/" + s.cfg.Prefix + key
	} else {
		u.Host = s.cfg.Bucket + "." + u.Host
	}
	u.Path = p
	u.RawPath = uriEncode(p, false)
	return &u
}

// Put uploads exactly size bytes (the body is read into memory first: its
// SHA-256 is part of the signature, and photos are at most MaxBytes).
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if size < 0 || size > 5<<30 {
		return fmt.Errorf("photo S3 store: bad size %d", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return fmt.Errorf("photo S3 store: read body: %w", err)
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	resp, err := s.do(ctx, http.MethodPut, key, h, body)
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	if resp.StatusCode/100 != 2 {
		return s3Error("put", key, resp)
	}
	return nil
}

// Get downloads the object; the caller closes the body.
func (s *S3Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	resp, err := s.do(ctx, http.MethodGet, key, nil, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp.Body, nil
	case resp.StatusCode == http.StatusNotFound:
		drain(resp.Body)
		return nil, errs.NotFoundf("photo.entity")
	}
	defer drain(resp.Body)
	return nil, s3Error("get", key, resp)
}

// Delete removes the object; S3 answers 204 whether or not it existed.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	resp, err := s.do(ctx, http.MethodDelete, key, nil, nil)
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
		return s3Error("delete", key, resp)
	}
	return nil
}

// List pages through ListObjectsV2 (1,000 keys a page) below the
// store's Prefix and prefix, giving keys without the store's Prefix.
func (s *S3Store) List(ctx context.Context, prefix string, fn func(Object) error) error {
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {s.cfg.Prefix + prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		page, err := s.listPage(ctx, q)
		if err != nil {
			return err
		}
		for _, c := range page.Contents {
			key, ok := strings.CutPrefix(c.Key, s.cfg.Prefix)
			if !ok || ValidKey(key) != nil {
				continue
			}
			if err := fn(Object{Key: key, Size: c.Size, Modified: c.LastModified}); err != nil {
				return err
			}
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return nil
		}
		token = page.NextContinuationToken
	}
}

// listResult is the part of a ListObjectsV2 answer List reads.
type listResult struct {
	IsTruncated           bool   `xml:"IsTruncated"`
	NextContinuationToken string `xml:"NextContinuationToken"`
	Contents              []struct {
		Key          string    `xml:"Key"`
		Size         int64     `xml:"Size"`
		LastModified time.Time `xml:"LastModified"`
	} `xml:"Contents"`
}

func (s *S3Store) listPage(ctx context.Context, q url.Values) (*listResult, error) {
	u := *s.base
	if s.cfg.PathStyle {
		u.Path += "/" + s.cfg.Bucket
	} else {
		u.Host = s.cfg.Bucket + "." + u.Host
		u.Path += "/"
	}
	u.RawPath = uriEncode(u.Path, false)
	u.RawQuery = q.Encode()
	resp, err := s.send(ctx, http.MethodGet, &u, nil, nil)
	if err != nil {
		return nil, err
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, s3Error("list", q.Get("prefix"), resp)
	}
	var page listResult
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&page); err != nil {
		return nil, fmt.Errorf("photo S3 store list %s: %w", q.Get("prefix"), err)
	}
	return &page, nil
}

func (s *S3Store) do(ctx context.Context, method, key string, h http.Header, body []byte) (*http.Response, error) {
	return s.send(ctx, method, s.objectURL(key), h, body)
}

func (s *S3Store) send(ctx context.Context, method string, u *url.URL, h http.Header, body []byte) (*http.Response, error) {
	key := u.Path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("photo S3 store: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	s.signer.sign(req, body, s.cfg.Clock.Now())
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("photo S3 store %s %s: %w", method, key, err)
	}
	return resp, nil
}

func drain(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}

func s3Error(op, key string, resp *http.Response) error {
	var e struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	_ = xml.Unmarshal(b, &e)
	return fmt.Errorf("photo S3 store %s %s: HTTP %d %s %s", op, key, resp.StatusCode, e.Code, e.Message)
}

// sigV4 signs requests with AWS Signature Version 4 (headers variant):
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
type sigV4 struct {
	AccessKey, SecretKey, Region, Service string
}

const (
	sigAlgorithm   = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// sign sets Host-derived, X-Amz-Date, X-Amz-Content-Sha256 and
// Authorization on req. Signed are host, content-type (when set) and the
// x-amz-* headers.
func (s sigV4) sign(req *http.Request, body []byte, now time.Time) {
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	now = now.UTC()
	req.Header.Set("X-Amz-Date", now.Format(amzDateFormat))
	req.Header.Set("X-Amz-Content-Sha256", payload)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	hdr := map[string]string{"host": host}
	for k, vs := range req.Header {
		lk := strings.ToLower(k)
		if lk == "content-type" || strings.HasPrefix(lk, "x-amz-") {
			hdr[lk] = strings.Join(vs, ",")
		}
	}
	req.Header.Set("Authorization", s.authorization(req.Method, req.URL.EscapedPath(), req.URL.Query(), hdr, payload, now))
}

// authorization returns the Authorization header value for a request.
// hdr holds the headers to sign by lower-case name (host and x-amz-date
// included); uri is the already-encoded path.
func (s sigV4) authorization(method, uri string, query url.Values, hdr map[string]string, payloadHash string, t time.Time) string {
	creq, signed := canonicalRequest(method, uri, query, hdr, payloadHash)
	day := t.UTC().Format("20060102")
	scope := day + "/" + s.Region + "/" + s.Service + "/aws4_request"
	sts := stringToSign(t, scope, creq)
	key := signingKey(s.SecretKey, day, s.Region, s.Service)
	sig := hex.EncodeToString(hmacSHA256(key, sts))
	return sigAlgorithm + " Credential=" + s.AccessKey + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
}

// canonicalRequest builds the SigV4 canonical request and the signed
// header list. For S3 the path is used as sent (encoded once, '/' kept).
func canonicalRequest(method, uri string, query url.Values, hdr map[string]string, payloadHash string) (creq, signedHeaders string) {
	if uri == "" {
		uri = "/"
	}
	names := make([]string, 0, len(hdr))
	for k := range hdr {
		names = append(names, k)
	}
	sort.Strings(names)
	var ch strings.Builder
	for _, k := range names {
		ch.WriteString(k)
		ch.WriteByte(':')
		ch.WriteString(strings.Join(strings.Fields(hdr[k]), " "))
		ch.WriteByte('\n')
	}
	signedHeaders = strings.Join(names, ";")
	return strings.Join([]string{method, uri, canonicalQuery(query), ch.String(), signedHeaders, payloadHash}, "\n"), signedHeaders
}

func canonicalQuery(q url.Values) string {
	type kv struct{ k, v string }
	var ps []kv
	for k, vs := range q {
		for _, v := range vs {
			ps = append(ps, kv{uriEncode(k, true), uriEncode(v, true)})
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

func stringToSign(t time.Time, scope, creq string) string {
	h := sha256.Sum256([]byte(creq))
	return sigAlgorithm + "\n" + t.UTC().Format(amzDateFormat) + "\n" + scope + "\n" + hex.EncodeToString(h[:])
}

func signingKey(secret, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// uriEncode percent-encodes every byte except the unreserved characters
// A-Z a-z 0-9 - . _ ~ (and '/' unless encodeSlash), as SigV4 requires.
func uriEncode(s string, encodeSlash bool) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}
