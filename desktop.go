//go:build desktop || bindings

package main

import (
	"context"
	_ "embed"
	"errors"
	"io/fs"
	"log/slog"
	"sync/atomic"

	"github.com/wailsapp/wails/v2"
	wailslog "github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"pforte/app"
)

//go:embed build/appicon.png
var appIcon []byte

// runDesktop opens the Wails window around the application and blocks until
// the window is closed or ctx is cancelled (SIGINT, SIGTERM).
//
// The window only translates: the page comes from assets, and every request
// no asset matches (/api/...) goes in-process to a.Handler(), the same handler
// `pforte serve` puts behind its TCP listener. The desktop opens no port.
func runDesktop(ctx context.Context, a *app.App, assets fs.FS, logger *slog.Logger) (err error) {
	// Without a display Wails panics; say what to do instead. (Not checked
	// up front: the CLI's bindings step runs this without a display.)
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok && e.Error() == "failed to init GTK" {
				err = errors.New("cannot open the window without a display (DISPLAY or WAYLAND_DISPLAY): start it in a desktop session, or run `pforte serve`")
				return
			}
			panic(p)
		}
	}()
	w := &window{started: make(chan struct{})}
	done := make(chan struct{})
	defer close(done)
	return wails.Run(&options.App{
		Title:     "Pforte – Empfang",
		Width:     1280,
		Height:    800,
		MinWidth:  1024,
		MinHeight: 640,
		AssetServer: &assetserver.Options{
			Assets:  assets,
			Handler: app.WithCookieJar(a.Handler()),
		},
		OnStartup: func(wctx context.Context) {
			w.start(wctx)
			go func() {
				select {
				case <-ctx.Done():
					logger.Info("closing the window")
					runtime.Quit(wctx)
				case <-done:
				}
			}()
		},
		OnBeforeClose:      w.beforeClose,
		Logger:             wailsLogger{logger.With("component", "wails")},
		LogLevel:           wailslog.INFO,
		LogLevelProduction: wailslog.WARNING,
		Linux: &linux.Options{
			Icon: appIcon,
			// What Wails picks when Linux is nil (wails#2977): GPU compositing
			// leaves the page blank on some drivers and under Xvfb.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
}

// window makes quitting safe. Every quit in Wails (close button,
// runtime.Quit, and Wails' own SIGINT/SIGTERM handler, which fires alongside
// ctx) calls gtk_main_quit from a goroutine after asking beforeClose. A quit
// before the GTK main loop runs is lost, and a second one while GTK destroys
// the window crashes; so beforeClose holds the first quit until the main loop
// runs and stops every later one.
type window struct {
	wctx     context.Context // Wails' context, set once started is closed
	started  chan struct{}
	quitting atomic.Bool
}

func (w *window) start(wctx context.Context) {
	w.wctx = wctx
	close(w.started)
}

func (w *window) beforeClose(context.Context) (prevent bool) {
	if w.quitting.Swap(true) {
		return true
	}
	<-w.started
	// Served on the GTK main thread: it returns once the main loop runs.
	runtime.WindowGetSize(w.wctx)
	return false
}

// wailsLogger sends Wails' own messages to the application's slog logger.
type wailsLogger struct{ l *slog.Logger }

func (w wailsLogger) Print(msg string)   { w.l.Info(msg) }
func (w wailsLogger) Trace(msg string)   { w.l.Debug(msg) }
func (w wailsLogger) Debug(msg string)   { w.l.Debug(msg) }
func (w wailsLogger) Info(msg string)    { w.l.Info(msg) }
func (w wailsLogger) Warning(msg string) { w.l.Warn(msg) }
func (w wailsLogger) Error(msg string)   { w.l.Error(msg) }
func (w wailsLogger) Fatal(msg string)   { w.l.Error(msg) }
