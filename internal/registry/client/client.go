// Package client is a small Go client of the registry's HTTP API (/api/v1)
// and its public pages: it says who a token belongs to, lists products,
// uploads a product version (dossier, SBOM and evidence as one multipart
// request with an idempotency key), issues and revokes labels, and reads a
// label's public record and bundle. Every answer that is not a success is
// returned as an *Error carrying the server's RFC 9457 problem document.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// maxAnswer bounds what the client reads of any answer (a label bundle is a
// few tens of kilobytes; a page of 500 products well under this).
const maxAnswer = 32 << 20

// Client talks to one registry.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the registry at server (its base URL, such as
// https://registry.example) authenticating with token ("" for public reads
// only). hc may be nil for a client with a 2-minute timeout.
func New(server, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registry URL %q: want http://HOST or https://HOST", server)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	return &Client{base: u, token: token, http: hc}, nil
}

// Server returns the registry's base URL.
func (c *Client) Server() string { return c.base.String() }

// Error is an answer other than a success: the HTTP status and the problem
// document the server sent (or one made up from the status when it sent
// none, as a proxy in front of it may).
type Error struct {
	Method, Path string
	Status       int
	Problem      registry.Problem
}

// Error describes the problem in one line: its title, detail, field and
// request id.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "registry answered %d %s", e.Status, e.Problem.Title)
	if e.Problem.Detail != "" {
		b.WriteString(": " + e.Problem.Detail)
	}
	if e.Problem.Field != "" {
		b.WriteString(" (field " + e.Problem.Field + ")")
	}
	if e.Problem.RequestID != "" {
		b.WriteString(" [request " + e.Problem.RequestID + "]")
	}
	return b.String()
}

// Kind is the last segment of the problem's type URI ("not-found",
// "invalid-upload", "too-large", …), or "" for about:blank.
func (e *Error) Kind() string {
	k, ok := strings.CutPrefix(e.Problem.Type, registry.ProblemType)
	if !ok {
		return ""
	}
	return k
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// do sends a request and decodes a JSON success answer into out (when not
// nil); other answers become an *Error.
func (c *Client) do(ctx context.Context, method, p string, hdr http.Header, body io.Reader, out any) (*http.Response, error) {
	u := *c.base
	rel, err := url.Parse(p)
	if err != nil {
		return nil, err
	}
	u.Path = path.Join(c.base.Path, rel.Path)
	u.RawQuery = rel.RawQuery
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("registry %s does not answer: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, rel.Path, err)
	}
	if len(data) > maxAnswer {
		return nil, fmt.Errorf("%s %s: the answer is larger than %d bytes", method, rel.Path, maxAnswer)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		e := &Error{Method: method, Path: rel.Path, Status: resp.StatusCode}
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/problem+json") {
			_ = json.Unmarshal(data, &e.Problem)
		}
		if e.Problem.Title == "" {
			e.Problem.Title = http.StatusText(resp.StatusCode)
		}
		return resp, e
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if out != nil {
		if raw, ok := out.(*[]byte); ok {
			*raw = data
			return resp, nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, rel.Path, err)
		}
	}
	return resp, nil
}

func jsonBody(v any) (http.Header, io.Reader) {
	b, _ := json.Marshal(v) // request types marshal without error
	return http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(b)
}

// WhoAmI says which organisation the token belongs to and what it may do.
func (c *Client) WhoAmI(ctx context.Context) (*registry.WhoAmI, error) {
	var w registry.WhoAmI
	_, err := c.do(ctx, "GET", "/api/v1/whoami", nil, nil, &w)
	return &w, err
}

// Products returns one page of the products the token may read, matching
// text when it is not empty.
func (c *Client) Products(ctx context.Context, text, after string, limit int) (*registry.List[store.Product], error) {
	q := url.Values{}
	if text != "" {
		q.Set("q", text)
	}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l registry.List[store.Product]
	_, err := c.do(ctx, "GET", "/api/v1/products?"+q.Encode(), nil, nil, &l)
	return &l, err
}

// Versions returns one page of a product's versions, newest first.
func (c *Client) Versions(ctx context.Context, productID, after string, limit int) (*registry.List[store.Version], error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l registry.List[store.Version]
	_, err := c.do(ctx, "GET", "/api/v1/products/"+url.PathEscape(productID)+"/versions?"+q.Encode(), nil, nil, &l)
	return &l, err
}

// ContentKey is an idempotency key derived from an upload's content: the
// same files give the same key, so a retried upload is answered from the
// first one instead of registering the version twice.
func ContentKey(up *intake.Upload) string {
	h := sha256.New()
	part := func(name string, b []byte) {
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	part("dossier", up.Dossier)
	part("sbom", up.SBOM)
	for _, n := range evidenceNames(up) {
		part("evidence "+path.Base(n), up.Evidence[n])
	}
	return "sha256-" + hex.EncodeToString(h.Sum(nil))
}

func evidenceNames(up *intake.Upload) []string {
	names := make([]string, 0, len(up.Evidence))
	for n := range up.Evidence {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Upload registers up as a new product (productID "") or as a new version
// of productID, with the idempotency key (ContentKey(up) when key is "").
// The request is streamed; nothing is stored on the server unless it
// answers with the version.
func (c *Client) Upload(ctx context.Context, up *intake.Upload, productID, key string) (*registry.Created, error) {
	if key == "" {
		key = ContentKey(up)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeParts(mw, up))
	}()
	p := "/api/v1/products"
	if productID != "" {
		p += "/" + url.PathEscape(productID) + "/versions"
	}
	hdr := http.Header{"Content-Type": {mw.FormDataContentType()}, "Idempotency-Key": {key}}
	var cr registry.Created
	_, err := c.do(ctx, "POST", p, hdr, pr, &cr)
	pr.Close()
	return &cr, err
}

func writeParts(mw *multipart.Writer, up *intake.Upload) error {
	add := func(field, name string, data []byte) error {
		w, err := mw.CreateFormFile(field, name)
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	}
	if err := add("dossier", "dossier.yaml", up.Dossier); err != nil {
		return err
	}
	if up.SBOM != nil {
		if err := add("sbom", "sbom", up.SBOM); err != nil {
			return err
		}
	}
	for _, n := range evidenceNames(up) {
		if err := add("evidence", path.Base(n), up.Evidence[n]); err != nil {
			return err
		}
	}
	return mw.Close()
}

// IssueLabel has the registry sign a label for one of the token's versions.
func (c *Client) IssueLabel(ctx context.Context, versionID string) (*registry.IssuedLabel, error) {
	var l registry.IssuedLabel
	_, err := c.do(ctx, "POST", "/api/v1/versions/"+url.PathEscape(versionID)+"/label", nil, nil, &l)
	return &l, err
}

// RevokeLabel revokes one of the token's labels with a reason.
func (c *Client) RevokeLabel(ctx context.Context, labelID, reason string) (*store.Label, error) {
	hdr, body := jsonBody(registry.RevokeRequest{Reason: reason})
	var l store.Label
	_, err := c.do(ctx, "POST", "/api/v1/labels/"+url.PathEscape(labelID)+"/revoke", hdr, body, &l)
	return &l, err
}

// Public returns the public record of a label or product ID: what its page
// /p/{id} shows, with the label's live status.
func (c *Client) Public(ctx context.Context, id string) (*registry.Public, error) {
	var p registry.Public
	_, err := c.do(ctx, "GET", "/p/"+url.PathEscape(id), nil, nil, &p)
	return &p, err
}

// Bundle returns the label bundle of a label (or a product's newest label).
func (c *Client) Bundle(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	_, err := c.do(ctx, "GET", "/p/"+url.PathEscape(id)+"/bundle.json", nil, nil, &b)
	return b, err
}

// Trust returns the registry's trust file (the keys its labels verify with).
func (c *Client) Trust(ctx context.Context) ([]byte, error) {
	var b []byte
	_, err := c.do(ctx, "GET", "/trust.json", nil, nil, &b)
	return b, err
}

// Share shares one of the token's products with a lab.
func (c *Client) Share(ctx context.Context, productID, labID string) (*store.Share, error) {
	hdr, body := jsonBody(registry.ShareRequest{Org: labID})
	var sh store.Share
	_, err := c.do(ctx, "POST", "/api/v1/products/"+url.PathEscape(productID)+"/shares", hdr, body, &sh)
	return &sh, err
}

// Unshare ends a lab's access to one of the token's products.
func (c *Client) Unshare(ctx context.Context, productID, labID string) error {
	_, err := c.do(ctx, "DELETE", "/api/v1/products/"+url.PathEscape(productID)+"/shares/"+url.PathEscape(labID), nil, nil, nil)
	return err
}

// Queue returns one page of the products shared with the token's lab.
func (c *Client) Queue(ctx context.Context, after string, limit int) (*registry.List[store.Product], error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l registry.List[store.Product]
	_, err := c.do(ctx, "GET", "/api/v1/queue?"+q.Encode(), nil, nil, &l)
	return &l, err
}

// AttachReport attaches a lab's test report to a version shared with it.
func (c *Client) AttachReport(ctx context.Context, versionID string, req registry.ReportRequest) (*registry.AttachedReport, error) {
	hdr, body := jsonBody(req)
	var r registry.AttachedReport
	_, err := c.do(ctx, "POST", "/api/v1/versions/"+url.PathEscape(versionID)+"/reports", hdr, body, &r)
	return &r, err
}

// Reports lists the test reports of a version the token may read.
func (c *Client) Reports(ctx context.Context, versionID string) (*registry.List[registry.AttachedReport], error) {
	var l registry.List[registry.AttachedReport]
	_, err := c.do(ctx, "GET", "/api/v1/versions/"+url.PathEscape(versionID)+"/reports", nil, nil, &l)
	return &l, err
}

// Affected asks the registry's crisis query which registered product
// versions the vulnerability id (a CVE, GHSA, OSV or EUVD id; aliases are
// resolved by the registry) affects, as far as the token may see;
// resolved also lists versions whose findings are resolved.
func (c *Client) Affected(ctx context.Context, id string, resolved bool) (*monitor.Affected, error) {
	p := "/api/v1/vulnerabilities/" + url.PathEscape(id) + "/affected"
	if resolved {
		p += "?resolved=true"
	}
	var a monitor.Affected
	if _, err := c.do(ctx, "GET", p, nil, nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Situation asks the registry for the situation report of a query over its
// open findings (monitor.SituationQuery's parameters: kev, ransomware,
// epss, severity, class, market, manufacturer), as far as the token may
// see.
func (c *Client) Situation(ctx context.Context, query url.Values) (*monitor.Situation, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("format", monitor.FormatJSON)
	var s monitor.Situation
	if _, err := c.do(ctx, "GET", "/api/v1/situation?"+q.Encode(), nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
