package webhooksim

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Later is how the provider simulators send a result: Delay after the
// request, as the provider sends it, with Deliver's retries. Close stops
// those still waiting and waits for those being sent. The zero Later with a
// Sender is ready to use; a nil Sender sends nothing.
type Later struct {
	Sender *Sender
	Delay  time.Duration
	Log    *slog.Logger

	once    sync.Once
	ctx     context.Context
	stop    context.CancelFunc
	pending sync.WaitGroup
}

func (l *Later) init() {
	l.once.Do(func() { l.ctx, l.stop = context.WithCancel(context.Background()) })
}

// Send sends body as kind after l.Delay. about names it in the log of a
// delivery never acknowledged.
func (l *Later) Send(kind Kind, body []byte, about string) {
	l.init()
	if l.Sender == nil {
		return
	}
	l.pending.Go(func() {
		select {
		case <-l.ctx.Done():
			return
		case <-time.After(l.Delay):
		}
		if _, err := l.Sender.Deliver(l.ctx, kind, body); err != nil && l.Log != nil {
			l.Log.Warn("simulator: notification not acknowledged", "kind", string(kind), "about", about, "error", err.Error())
		}
	})
}

// Close stops the deliveries still waiting and waits for those being sent.
func (l *Later) Close() {
	l.init()
	l.stop()
	l.pending.Wait()
}

// UUID returns a random version-4 UUID, as the providers name their
// resources.
func UUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
