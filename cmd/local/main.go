// Command local runs the local stack (make run): every function on
// 127.0.0.1:$PORT over an embedded store under $DATA_DIR. With -repair it
// sets aside the damaged lines of the embedded store's journals instead
// (make repair).
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/tarjeta-dev/tarjeta/devstack"
)

func main() {
	repair := flag.Bool("repair", false, "set aside the damaged lines of the journals in $DATA_DIR/store, then exit")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := devstack.Load(ctx, envconfig.OsLookuper())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *repair {
		if err := devstack.Repair(c, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	s, err := devstack.Start(ctx, c, os.Stdout, log, rand.Reader)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("Serving on http://%s (Ctrl-C to stop); signature debugger: http://%s/debugger/; console: http://%s/console/\n", s.Addr, s.Addr, s.Addr)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(shutdown); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
