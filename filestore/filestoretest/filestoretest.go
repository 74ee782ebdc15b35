// Package filestoretest fails a journal's writes on demand, for the tests
// of the stores built on filestore.WAL.
package filestoretest

import (
	"sync/atomic"
	"syscall"

	"github.com/tarjeta-dev/tarjeta/filestore"
)

// FullDisk is a journal file whose writes fail with ENOSPC while Full is
// set, after writing half of what they were given, as a filling disk does.
type FullDisk struct {
	filestore.File
	Full atomic.Bool
}

// Wrap is the wrap argument of a store's Open that puts d in front of the
// journal file.
func (d *FullDisk) Wrap(f filestore.File) filestore.File {
	d.File = f
	return d
}

func (d *FullDisk) Write(b []byte) (int, error) {
	if d.Full.Load() {
		n, _ := d.File.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	return d.File.Write(b)
}
