package images

// Test hooks for package images_test (which may import the instances
// package; a test inside package images may not: instances imports images).

// InstanceRecord is the part of an instance record images reads.
type InstanceRecord = instanceRecord

// NextState is nextState.
var NextState = nextState
