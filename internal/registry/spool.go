package registry

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// spoolUpload writes the request body, at most the configured upload size,
// to a file named by the request's ?name= (its base name only: the
// extension says how the importer reads it) in a fresh folder under the
// data folder's tmp/, named with prefix. It answers the request itself
// when it cannot (no name: a 400 on field name with hint as its detail; a
// failed write: the server's error) and then returns ok false. On ok the
// caller imports from path and calls done when finished, which removes the
// folder. The advisory and CSAF import routes both spool their upload here.
func (s *Server) spoolUpload(w http.ResponseWriter, r *http.Request, prefix, hint string) (path string, done func(), ok bool) {
	name := filepath.Base(r.URL.Query().Get("name"))
	if name == "." || name == "/" || name == "" {
		badRequest(w, r, "name", "%s", hint)
		return "", nil, false
	}
	dir, err := os.MkdirTemp(filepath.Join(s.cfg.Data, "tmp"), prefix)
	if err != nil {
		s.fail(w, r, err)
		return "", nil, false
	}
	done = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = io.Copy(f, http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		done()
		s.fail(w, r, err)
		return "", nil, false
	}
	return path, done, true
}
