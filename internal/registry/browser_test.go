package registry

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "write screenshots of the public page and the dashboard into this folder (e.g. ../../docs/img)")

// chromium finds Debian's chromium ($DUALMARK_CHROMIUM overrides); it skips
// the test when there is none, except under CI=true, where that fails.
func chromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("DUALMARK_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		msg := "no chromium at " + p + ": apt-get install -y chromium (or set DUALMARK_CHROMIUM)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// TestBrowser drives headless Chromium through what a manufacturer and a
// consumer do: log in, upload the smart plug, issue its label, open the
// public page from the URL the page's QR code carries (decoded with zbarimg
// when it is installed), revoke the label and see the page change.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	e := newEnv(t)
	e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(browserProfile(t)),
		chromedp.WindowSize(1100, 1400),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	plug, err := filepath.Abs(filepath.Join("..", "..", "examples", "smart-plug"))
	if err != nil {
		t.Fatal(err)
	}
	evidence, _ := filepath.Glob(filepath.Join(plug, "evidence", "*.md"))
	evidence = append(evidence, filepath.Join(plug, "cbom.cdx.json")) // cryptography.cbom.path
	var flash, labelHref, dashURL string
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("log in",
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys("#email", "anna@voltic.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Click("#login", chromedp.ByQuery),
		chromedp.WaitVisible("#upload", chromedp.ByQuery),
	)
	run("upload the smart plug",
		chromedp.SetUploadFiles("#dossier", []string{filepath.Join(plug, "dossier.yaml")}, chromedp.ByQuery),
		chromedp.SetUploadFiles("#sbom", []string{filepath.Join(plug, "sbom.cdx.json")}, chromedp.ByQuery),
		chromedp.SetUploadFiles("#evidence", evidence, chromedp.ByQuery),
		chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("button.issue", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "cra=conforms,en303645=conforms,red-da=conforms,us-ctm=ready-for-testing") {
		t.Fatalf("after upload: %q", flash)
	}
	run("issue the label",
		chromedp.Click("button.issue", chromedp.ByQuery),
		chromedp.WaitVisible("a.label-status", chromedp.ByQuery),
		chromedp.AttributeValue("a.label-status", "href", &labelHref, nil, chromedp.ByQuery),
		chromedp.Location(&dashURL),
	)
	shot(t, ctx, "registry-dashboard.png")

	// the QR code on the public page leads to the page
	var qrPNG []byte
	run("open the public page", chromedp.Navigate(e.ts.URL+labelHref), chromedp.WaitVisible("img.qr", chromedp.ByQuery),
		chromedp.Screenshot("img.qr", &qrPNG, chromedp.ByQuery))
	target := e.ts.URL + labelHref
	if zbar, err := exec.LookPath("zbarimg"); err == nil {
		f := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(f, qrPNG, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "-q", "--raw", f).Output()
		if err != nil {
			t.Fatalf("zbarimg could not decode the page's QR code: %v", err)
		}
		target = strings.TrimSpace(string(out))
		if target != e.ts.URL+labelHref {
			t.Fatalf("QR code encodes %q, want %q", target, e.ts.URL+labelHref)
		}
	} else {
		t.Log("zbarimg not installed (apt-get install -y zbar-tools): QR code not decoded, using the link")
	}
	var status string
	run("follow the QR code", chromedp.Navigate(target), chromedp.Text("#status-h + p", &status, chromedp.ByQuery))
	if !strings.HasPrefix(status, "Valid.") {
		t.Fatalf("public page status %q", status)
	}
	shot(t, ctx, "registry-public-page.png")

	run("revoke",
		chromedp.Navigate(dashURL),
		chromedp.WaitVisible("button.revoke", chromedp.ByQuery),
		chromedp.SendKeys("input[name=reason]", "firmware 2.3.1 withdrawn", chromedp.ByQuery),
		chromedp.Click("button.revoke", chromedp.ByQuery),
		chromedp.WaitVisible(`//p[contains(@class, "flash") and contains(., "Revoked label")]`, chromedp.BySearch),
		chromedp.Navigate(target),
		chromedp.Text("#status-h + p", &status, chromedp.ByQuery),
	)
	if !strings.HasPrefix(status, "Revoked.") || !strings.Contains(status, "firmware 2.3.1 withdrawn") {
		t.Fatalf("public page after revocation: %q", status)
	}
}

// shot writes a full-page screenshot when -screenshots names a folder.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// browserProfile is a fresh Chromium user-data dir. Chromium's helper
// processes can still be writing to it for a moment after the browser is
// closed, which makes t.TempDir's cleanup fail with "directory not empty";
// this one is removed with a few retries instead.
func browserProfile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "dualmark-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("leaving the browser profile %s: %v", dir, err)
	})
	return dir
}
