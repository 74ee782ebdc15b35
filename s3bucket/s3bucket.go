// Package s3bucket is the settlement bucket on Amazon S3 (or any
// S3-compatible server, path-style): Pomelo's daily files are read from it,
// streamed and pinned to the ETag a run started with, and the reports are
// written to it.
package s3bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/tarjeta-dev/tarjeta/core/settlement"
)

// MaxGet bounds what Get reads whole: report parts and summaries are far
// smaller.
const MaxGet = 256 << 20

// API is the part of the S3 client the bucket uses.
type API interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// Bucket is one S3 bucket.
type Bucket struct {
	api  API
	name string
}

var _ settlement.Bucket = (*Bucket)(nil)

// New returns the bucket name over api.
func New(api API, name string) *Bucket { return &Bucket{api: api, name: name} }

// NewClient returns an S3 client of cfg; endpoint, when set, is an
// S3-compatible server addressed path-style.
func NewClient(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
}

// Stat is one HeadObject.
func (b *Bucket) Stat(ctx context.Context, key string) (settlement.Object, error) {
	out, err := b.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return settlement.Object{}, fmt.Errorf("s3bucket: stat %s: %w", key, refused(err))
	}
	return settlement.Object{Key: key, ETag: aws.ToString(out.ETag), Size: aws.ToInt64(out.ContentLength)}, nil
}

// Open is one GetObject from offset on, on condition that the object still
// has etag (If-Match).
func (b *Bucket) Open(ctx context.Context, key, etag string, offset int64) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: &b.name, Key: &key, IfMatch: &etag}
	if offset > 0 {
		in.Range = aws.String("bytes=" + strconv.FormatInt(offset, 10) + "-")
	}
	out, err := b.api.GetObject(ctx, in)
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "InvalidRange" {
		// Nothing left past offset: the file ends there.
		if _, err := b.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("s3bucket: open %s: %w", key, refused(err))
	}
	return out.Body, nil
}

// Get reads a small object whole.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.api.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("s3bucket: get %s: %w", key, refused(err))
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, MaxGet+1))
	if err != nil {
		return nil, fmt.Errorf("s3bucket: get %s: %w", key, err)
	}
	if len(body) > MaxGet {
		return nil, fmt.Errorf("s3bucket: get %s: larger than %d bytes", key, MaxGet)
	}
	return body, nil
}

// Put is one PutObject.
func (b *Bucket) Put(ctx context.Context, key, contentType string, body []byte) error {
	if err := b.put(ctx, key, contentType, body); err != nil {
		return fmt.Errorf("s3bucket: put %s: %w", key, err)
	}
	return nil
}

func (b *Bucket) put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := b.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.name, Key: &key, ContentType: &contentType,
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
	})
	return err
}

// refused marks S3's answers the reconciliation branches on.
func refused(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%w: %w", settlement.ErrNoObject, err)
		case "PreconditionFailed":
			return fmt.Errorf("%w: %w", settlement.ErrChanged, err)
		}
	}
	return err
}

// PartSize is the size of the parts PutStream uploads: S3 takes parts of 5
// MiB and more (the last one excepted), and holding one is all the memory
// a stream costs.
const PartSize = 8 << 20

// PutStream writes the object from write a part at a time: one PutObject
// when it all fits one part, else a multipart upload, aborted if anything
// fails, so that the object at key is replaced whole or not at all.
func (b *Bucket) PutStream(ctx context.Context, key, contentType string, write func(io.Writer) error) error {
	u := &upload{ctx: ctx, b: b, key: key, contentType: contentType, buf: make([]byte, 0, PartSize)}
	err := write(u)
	if err == nil {
		err = u.finish()
	}
	if err != nil && u.id != nil {
		// Best effort: the bucket's lifecycle rule removes what is left.
		ctx := context.WithoutCancel(ctx)
		_, _ = b.api.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &b.name, Key: &key, UploadId: u.id})
	}
	if err != nil {
		return fmt.Errorf("s3bucket: put %s: %w", key, err)
	}
	return nil
}

// upload is the writer of a PutStream: it keeps one part, and sends each
// as it fills.
type upload struct {
	ctx              context.Context
	b                *Bucket
	key, contentType string
	buf              []byte
	id               *string // of the multipart upload, once begun
	parts            []types.CompletedPart
	err              error
}

func (u *upload) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 && u.err == nil {
		k := copy(u.buf[len(u.buf):cap(u.buf)], p)
		u.buf, p, n = u.buf[:len(u.buf)+k], p[k:], n+k
		if len(u.buf) == cap(u.buf) {
			u.err = u.send()
		}
	}
	return n, u.err
}

// send uploads the part held, beginning the multipart upload first.
func (u *upload) send() error {
	b := u.b
	if u.id == nil {
		out, err := b.api.CreateMultipartUpload(u.ctx, &s3.CreateMultipartUploadInput{Bucket: &b.name, Key: &u.key, ContentType: &u.contentType})
		if err != nil {
			return err
		}
		u.id = out.UploadId
	}
	number := aws.Int32(int32(len(u.parts) + 1))
	out, err := b.api.UploadPart(u.ctx, &s3.UploadPartInput{
		Bucket: &b.name, Key: &u.key, UploadId: u.id, PartNumber: number,
		Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf))),
	})
	if err != nil {
		return err
	}
	u.parts = append(u.parts, types.CompletedPart{ETag: out.ETag, PartNumber: number})
	u.buf = u.buf[:0]
	return nil
}

// finish puts what is held as the whole object, or as the last part of the
// multipart upload, which it completes.
func (u *upload) finish() error {
	if u.err != nil {
		return u.err
	}
	if u.id == nil {
		return u.b.put(u.ctx, u.key, u.contentType, u.buf)
	}
	if len(u.buf) > 0 {
		if err := u.send(); err != nil {
			return err
		}
	}
	_, err := u.b.api.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &u.b.name, Key: &u.key, UploadId: u.id, MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	})
	return err
}
