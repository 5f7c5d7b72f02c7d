// Package recorder holds procmine's browser recorder, a Manifest V3
// extension for Chromium-based browsers in plain JavaScript (the folder
// extension/), and packs it into the zip file a browser or a store takes.
package recorder

import (
	"archive/zip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"time"
)

//go:embed extension
var files embed.FS

// Files is the extension's folder: manifest.json at its root.
func Files() fs.FS {
	sub, err := fs.Sub(files, "extension")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}

// Version is the extension's version, from its manifest.
func Version() (string, error) {
	data, err := fs.ReadFile(Files(), "manifest.json")
	if err != nil {
		return "", err
	}
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("manifest.json: %w", err)
	}
	return m.Version, nil
}

// epoch is every packed file's time, so that one version packs to the
// same bytes wherever and whenever it is packed.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Pack writes the extension as a zip file, manifest.json at its root,
// its files in a fixed order with a fixed time.
func Pack(w io.Writer) error {
	z := zip.NewWriter(w)
	err := fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Files(), path)
		if err != nil {
			return err
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: epoch})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	return z.Close()
}
