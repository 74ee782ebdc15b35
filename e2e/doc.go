// Package e2e holds the end-to-end tests of the functions over Amazon's
// DynamoDB Local: store round trips per request, crashes and late writes
// injected between the SDK and DynamoDB, and recorded Lambda events run
// through the handler as Lambda runs them. The handler's HTTP behaviour is
// tested in httpapi over the embedded store, with nothing but Go.
package e2e
