//go:build !desktop && !bindings

package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"

	"pforte/app"
)

// runDesktop in the headless build: there is no window to open.
func runDesktop(context.Context, *app.App, fs.FS, *slog.Logger) error {
	return errors.New("this build has no desktop window; run `pforte serve` or build with `make desktop`")
}
