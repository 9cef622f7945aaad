package registry

import (
	"sync"
	"time"
)

// pageTTL bounds how stale a cached public page may be: a revocation made
// by another replica shows within it; this replica's own writes clear the
// cache at once.
const pageTTL = time.Second

// pageCache keeps rendered public pages for pageTTL, so that a burst of
// scans of one QR code costs one database round trip and one rendering.
type pageCache struct {
	mu sync.Mutex
	m  map[string]cachedPage
}

type cachedPage struct {
	ctype, tag string
	body       []byte
	expires    time.Time
}

const pageCacheMax = 10000

func (c *pageCache) get(key string, now time.Time) (cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	if !ok || now.After(p.expires) {
		return cachedPage{}, false
	}
	return p, true
}

func (c *pageCache) put(key string, p cachedPage, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= pageCacheMax {
		c.m = map[string]cachedPage{}
	}
	p.expires = now.Add(pageTTL)
	c.m[key] = p
}

// clear forgets every page (after a write that may change one).
func (c *pageCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
