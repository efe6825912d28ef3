// Command go-gateway is a reverse proxy that asks libengage, on every page request,
// which message the user should be shown, and passes the decision upstream in the
// X-Engage-Decision request header. See README.md.
//
//	go-gateway -listen 127.0.0.1:8080 -upstream http://127.0.0.1:3000 -campaigns campaigns.json
//
// SIGHUP reloads the campaign file (a set with problems is refused and the current one
// stays); SIGINT or SIGTERM stop accepting requests, let running ones finish and close
// the engine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	logger := log.New(os.Stderr, "go-gateway: ", log.LstdFlags)
	if err := run(os.Args[1:], logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(args []string, logger *log.Logger) error {
	fs := flag.NewFlagSet("go-gateway", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	upstream := fs.String("upstream", "", "URL of the site to proxy, e.g. http://127.0.0.1:3000 (required)")
	campaigns := fs.String("campaigns", "", "campaign set file, docs/campaigns.md (required; SIGHUP reloads it)")
	config := fs.String("config", "", "engine config file, docs/engine-config.md (default: in-memory store, wall clock)")
	cookie := fs.String("cookie", "engage_uid", "cookie holding the user id")
	consent := fs.String("consent-cookie", "engage_consent", `cookie listing the purposes the user consented to ("marketing,service"); "" to never send consent`)
	placements := fs.String("placements", "", "comma-separated placements to ask for on every page, besides the page_view event")
	channels := fs.String("channels", "in_app", "comma-separated channels a page can show")
	userHeader := fs.String("user-header", "", "request header holding the user id, read before the cookie")
	adminToken := fs.String("admin-token", os.Getenv("ENGAGE_ADMIN_TOKEN"), "bearer token for /engage/users/* (default: $ENGAGE_ADMIN_TOKEN)")
	adminAllow := fs.String("admin-allow", "", "comma-separated client addresses allowed /engage/users/* without the token")
	maxHeader := fs.Int("max-header", 8192, "largest X-Engage-Decision value in bytes; lower-ranked messages beyond it are left out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *upstream == "" || *campaigns == "" {
		fs.Usage()
		return errors.New("-upstream and -campaigns are required")
	}
	up, err := url.Parse(*upstream)
	if err != nil {
		return fmt.Errorf("-upstream: %w", err)
	}
	var engineConfig []byte
	if *config != "" {
		if engineConfig, err = os.ReadFile(*config); err != nil {
			return err
		}
	}
	g, err := newGateway(options{
		Upstream: up, CampaignsFile: *campaigns, EngineConfig: engineConfig,
		Cookie: *cookie, ConsentCookie: *consent,
		Placements: splitList(*placements), Channels: splitList(*channels),
		MaxHeader: *maxHeader, Log: logger, UserHeader: *userHeader,
		AdminToken: *adminToken, AdminAllow: splitList(*adminAllow),
	})
	if err != nil {
		return err
	}
	defer g.Close()

	srv := &http.Server{Addr: *listen, Handler: g, ErrorLog: logger,
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	logger.Printf("listening on %s, proxying to %s", *listen, up)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	for {
		select {
		case err := <-served:
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				if err := g.Reload(); err != nil {
					logger.Printf("reload refused, the current campaign set stays: %v", err)
				} else {
					logger.Printf("reloaded %s", *campaigns)
				}
				continue
			}
			logger.Printf("%v: shutting down", sig)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return srv.Shutdown(ctx) // then the deferred Close closes the engine
		}
	}
}

func splitList(s string) []string {
	var list []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
}
