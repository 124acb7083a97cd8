package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"

	"github.com/certsum/certsum/internal/auth"
)

// loadSealer returns the Sealer over the key-encryption keys of cfg's key file (--key-file,
// CERTSUM_KEY_FILE). Without one: beside a SQLite database, <db>.key, created with a fresh
// key (mode 0600) the first time; for an in-memory database a key that lives as long as the
// process, like the database; for PostgreSQL an error, because every replica must use the
// same keys and certsum cannot hand a file to the others.
func loadSealer(cfg Config, logger *slog.Logger) (*auth.Sealer, error) {
	path := cfg.KeyFile
	if path == "" {
		switch {
		case isPostgresURL(cfg.Database):
			return nil, errors.New("a PostgreSQL database needs --key-file (or CERTSUM_KEY_FILE): the key-encryption keys " +
				"that seal the token-signing keys, the same file on every replica; create one with `certsum keys new-key-file PATH`")
		case cfg.Database == ":memory:":
			return auth.EphemeralSealer(), nil
		}
		path = cfg.Database + ".key"
		created, err := createKeyFile(path, nil)
		if err != nil {
			return nil, err
		}
		if created {
			logger.Info("created the key-encryption key file beside the database; back it up with the database, "+
				"which cannot issue tokens without it", "key_file", path)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the key file can be read by users other than its owner; run chmod 600 on it", "key_file", path,
			"mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	s, err := auth.ParseKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return s, nil
}

// createKeyFile writes a new key file at path (mode 0600) holding a fresh key, followed by
// the keys of previous when given. It reports false, and writes nothing, when the file
// exists already.
func createKeyFile(path string, previous []byte) (bool, error) {
	text, err := auth.NewKeyFile(previous)
	if err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.Write(text); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return false, fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return false, fmt.Errorf("write key file %s: %w", path, err)
	}
	return true, f.Close()
}
