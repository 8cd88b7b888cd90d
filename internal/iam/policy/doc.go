// Package policy owns the IAM policy language: it parses and validates policy
// documents the way IAM does (with IAM's MalformedPolicyDocument messages), and it
// decides requests against them with AWS's evaluation logic.
//
// The package is pure: no I/O, no clock, no logging. Everything a decision needs
// (the caller, the action, the resource, the condition keys) arrives in a Request,
// so the IAM and EC2 front ends can fill it in however they learn those facts.
//
// Parse compiles every Action, Resource and condition pattern once, so Evaluate
// does no regexp work and, for policies without variables, no allocation.
// A parsed Document is read-only afterwards and safe to share between
// goroutines.
//
// Sources for the behaviour, in order of authority: the IAM User Guide pages
// "Policy evaluation logic", "IAM JSON policy elements" (Resource, Principal,
// NotPrincipal, Condition operators, Variables), "Single-valued vs. multivalued
// context keys"; the error messages IAM returns as observed in public bug reports
// and in the test suites of AWS emulators that were checked against IAM.
package policy
