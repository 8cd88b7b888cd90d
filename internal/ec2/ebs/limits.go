package ebs

import (
	"cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// The EBS volume types.
const (
	GP2      = "gp2"
	GP3      = "gp3"
	IO1      = "io1"
	IO2      = "io2"
	ST1      = "st1"
	SC1      = "sc1"
	Standard = "standard"
)

// DefaultType is the volume type CreateVolume uses when none is given.
const DefaultType = GP2

// gp3's baseline, included in its price: what a gp3 volume gets when
// neither Iops nor Throughput is given.
const (
	GP3BaselineIOPS       = 3000
	GP3BaselineThroughput = 125 // MiB/s
)

// typeLimits are AWS's per-type limits, as the EC2 API reference lists
// them for CreateVolume and ModifyVolume (gp3 and io2 at their 2025
// maximums: 64 TiB; gp3 80,000 IOPS and 2,000 MiB/s).
type typeLimits struct {
	minSize, maxSize int32 // GiB
	// minIOPS..maxIOPS and at most iopsPerGiB per GiB; zero maxIOPS: the
	// type takes no Iops parameter.
	minIOPS, maxIOPS, iopsPerGiB int32
	iopsRequired                 bool
	// minThroughput..maxThroughput MiB/s; zero: no Throughput parameter.
	minThroughput, maxThroughput int32
	// multiAttach: the type may be Multi-Attach.
	multiAttach bool
}

var limits = map[string]typeLimits{
	GP2:      {minSize: 1, maxSize: 16384},
	GP3:      {minSize: 1, maxSize: 65536, minIOPS: 3000, maxIOPS: 80000, iopsPerGiB: 500, minThroughput: 125, maxThroughput: 2000},
	IO1:      {minSize: 4, maxSize: 16384, minIOPS: 100, maxIOPS: 64000, iopsPerGiB: 50, iopsRequired: true, multiAttach: true},
	IO2:      {minSize: 4, maxSize: 65536, minIOPS: 100, maxIOPS: 256000, iopsPerGiB: 1000, iopsRequired: true, multiAttach: true},
	ST1:      {minSize: 125, maxSize: 16384},
	SC1:      {minSize: 125, maxSize: 16384},
	Standard: {minSize: 1, maxSize: 1024},
}

// maxThroughputPerIOPS is gp3's 0.25 MiB/s of throughput per provisioned IOPS.
const maxThroughputPerIOPS = 0.25

// ValidType reports whether typ is an EBS volume type.
func ValidType(typ string) bool {
	_, ok := limits[typ]
	return ok
}

// MultiAttachType reports whether volumes of the type may be Multi-Attach.
func MultiAttachType(typ string) bool { return limits[typ].multiAttach }

// ShapeRequest is a requested volume shape: what CreateVolume, ModifyVolume
// or a block device mapping asks for. Nil pointers were not given.
type ShapeRequest struct {
	Type       string // "" for DefaultType
	SizeGiB    int32
	IOPS       *int32
	Throughput *int32
}

// ResolveShape applies the type's defaults to a request (gp2 when no type;
// gp3's baseline IOPS and throughput) and checks it against AWS's limits,
// with AWS's errors. RunInstances block device mappings use it too.
func ResolveShape(req ShapeRequest) (VolumeShape, error) {
	typ := req.Type
	if typ == "" {
		typ = DefaultType
	}
	lim, ok := limits[typ]
	if !ok {
		return VolumeShape{}, awserr.InvalidParameterValue("Value (%s) for parameter volumeType is invalid. Valid volume types are: standard, io1, io2, gp2, gp3, sc1, st1.", typ)
	}
	s := VolumeShape{Type: typ, SizeGiB: req.SizeGiB}
	switch {
	case req.IOPS != nil && lim.maxIOPS == 0:
		return s, awserr.InvalidParameterCombination("The parameter iops is not supported for %s volumes.", typ)
	case req.IOPS == nil && lim.iopsRequired:
		return s, awserr.InvalidParameterCombination("The parameter iops must be specified for %s volumes.", typ)
	case req.Throughput != nil && lim.maxThroughput == 0:
		return s, awserr.InvalidParameterCombination("throughput can only be specified for volumeType gp3.")
	}
	if req.IOPS != nil {
		s.IOPS = *req.IOPS
	} else if typ == GP3 {
		s.IOPS = GP3BaselineIOPS
	}
	if req.Throughput != nil {
		s.Throughput = *req.Throughput
	} else if typ == GP3 {
		s.Throughput = GP3BaselineThroughput
	}
	return s, CheckShape(s)
}

// CheckShape checks a resolved shape against its type's limits.
func CheckShape(s VolumeShape) error {
	lim, ok := limits[s.Type]
	if !ok {
		return awserr.InvalidParameterValue("Value (%s) for parameter volumeType is invalid. Valid volume types are: standard, io1, io2, gp2, gp3, sc1, st1.", s.Type)
	}
	switch {
	case s.SizeGiB < lim.minSize:
		return awserr.InvalidParameterValue("Volume of %dGiB is too small for volume type %s; minimum is %dGiB.", s.SizeGiB, s.Type, lim.minSize)
	case s.SizeGiB > lim.maxSize:
		return awserr.InvalidParameterValue("Volume of %dGiB is too large for volume type %s; maximum is %dGiB.", s.SizeGiB, s.Type, lim.maxSize)
	case s.MultiAttach && !lim.multiAttach:
		return awserr.InvalidParameterCombination("Multi-Attach is supported only for io1 and io2 volumes, not %s.", s.Type)
	}
	if lim.maxIOPS > 0 {
		ratio := float64(s.IOPS) / float64(s.SizeGiB)
		switch {
		case s.IOPS < lim.minIOPS:
			return awserr.InvalidParameterValue("Volume iops of %d is too low; minimum is %d.", s.IOPS, lim.minIOPS)
		case s.IOPS > lim.maxIOPS:
			return awserr.InvalidParameterValue("Volume iops of %d is too high; maximum is %d.", s.IOPS, lim.maxIOPS)
		case s.IOPS > lim.minIOPS && ratio > float64(lim.iopsPerGiB): // gp3's baseline comes with any size
			return awserr.InvalidParameterValue("Iops to volume size ratio of %f is too high; maximum is %d.", ratio, lim.iopsPerGiB)
		}
	}
	if lim.maxThroughput > 0 {
		ratio := float64(s.Throughput) / float64(s.IOPS)
		switch {
		case s.Throughput < lim.minThroughput:
			return awserr.InvalidParameterValue("Throughput of %d MiBps is too low; minimum is %d MiBps.", s.Throughput, lim.minThroughput)
		case s.Throughput > lim.maxThroughput:
			return awserr.InvalidParameterValue("Throughput of %d MiBps is too high; maximum is %d MiBps.", s.Throughput, lim.maxThroughput)
		case ratio > maxThroughputPerIOPS:
			return awserr.InvalidParameterValue("Throughput (MiBps) to iops ratio of %f is too high; maximum is %f MiBps per iops.", ratio, maxThroughputPerIOPS)
		}
	}
	return nil
}

// Shape returns the volume's current shape (gp3's baseline filled in on a
// record made without ResolveShape).
func (v *Volume) Shape() VolumeShape {
	s := VolumeShape{SizeGiB: v.SizeGiB, Type: v.Type, IOPS: v.IOPS, Throughput: v.Throughput, MultiAttach: v.MultiAttach}
	if s.Type == GP3 {
		s.IOPS, s.Throughput = cmp.Or(s.IOPS, GP3BaselineIOPS), cmp.Or(s.Throughput, GP3BaselineThroughput)
	}
	return s
}

// SetShape gives the volume a shape.
func (v *Volume) SetShape(s VolumeShape) {
	v.SizeGiB, v.Type, v.IOPS, v.Throughput, v.MultiAttach = s.SizeGiB, s.Type, s.IOPS, s.Throughput, s.MultiAttach
}

// ShownIOPS is the Iops DescribeVolumes shows: the provisioned IOPS of
// gp3, io1 and io2, gp2's baseline, and none for the HDD types.
func (v *Volume) ShownIOPS() (int32, bool) {
	switch v.Type {
	case GP3:
		return cmp.Or(v.IOPS, GP3BaselineIOPS), true // 0: a record made without ResolveShape
	case IO1, IO2:
		return v.IOPS, true
	case GP2:
		return gp2Baseline(v.SizeGiB), true
	}
	return 0, false
}

// gp2Baseline is gp2's 3 IOPS per GiB, at least 100 and at most 16,000.
func gp2Baseline(sizeGiB int32) int32 {
	return min(max(3*sizeGiB, 100), 16000)
}

// ShownThroughput is the Throughput DescribeVolumes shows: gp3's only.
func (v *Volume) ShownThroughput() (int32, bool) {
	if v.Type != GP3 {
		return 0, false
	}
	return cmp.Or(v.Throughput, GP3BaselineThroughput), true
}
