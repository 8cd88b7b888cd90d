package images

import (
	"regexp"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

var (
	deviceName  = regexp.MustCompile(`^(/dev/(sd|xvd|hd|vd|nvme)[a-z0-9]+|xvd[a-z]+[0-9]*)$`)
	virtualName = regexp.MustCompile(`^ephemeral([0-9]|1[0-9]|2[0-3])$`)
)

func badMapping(format string, args ...any) error {
	return awserr.BadRequest("InvalidBlockDeviceMapping", format, args...)
}

// mappingFromWire checks one requested mapping's form (device name, exactly
// one of NoDevice, VirtualName and Ebs) and converts it. The EBS volume's
// snapshot, size and performance are checked once the snapshot is known:
// fillFromSnapshot, then resolveShape.
func mappingFromWire(w ec2api.BlockDeviceMapping) (Mapping, error) {
	m := Mapping{DeviceName: aws.ToString(w.DeviceName)}
	if m.DeviceName == "" {
		return m, awserr.MissingParameter("BlockDeviceMapping.DeviceName")
	}
	if !deviceName.MatchString(m.DeviceName) {
		return m, badMapping("Invalid device name %s", m.DeviceName)
	}
	kinds := 0
	if w.NoDevice != nil {
		m.NoDevice = true
		kinds++
	}
	if w.VirtualName != nil {
		m.VirtualName = *w.VirtualName
		if !virtualName.MatchString(m.VirtualName) {
			return m, badMapping("Invalid virtual name %s for device %s", m.VirtualName, m.DeviceName)
		}
		kinds++
	}
	if w.Ebs != nil {
		kinds++
	}
	if kinds > 1 {
		return m, badMapping("The block device mapping for %s may name only one of Ebs, VirtualName and NoDevice.", m.DeviceName)
	}
	if w.Ebs == nil {
		return m, nil
	}
	e := w.Ebs
	switch {
	case e.OutpostArn != nil:
		return m, awserr.BadRequest("UnsupportedOperation", "The parameter OutpostArn is not supported by Kumo.")
	case e.KmsKeyId != nil && !aws.ToBool(e.Encrypted):
		return m, awserr.InvalidParameterCombination("KmsKeyId requires Encrypted to be true for %s.", m.DeviceName)
	}
	m.EBS = &EBSMapping{
		SnapshotID: aws.ToString(e.SnapshotId), VolumeSizeGiB: aws.ToInt32(e.VolumeSize),
		DeleteOnTermination: e.DeleteOnTermination == nil || *e.DeleteOnTermination,
		Encrypted:           aws.ToBool(e.Encrypted), KMSKeyID: aws.ToString(e.KmsKeyId),
	}
	return m, nil
}

// shapeRequest is the volume shape a mapping asks for.
func shapeRequest(w *ec2api.EbsBlockDevice) ebs.ShapeRequest {
	return ebs.ShapeRequest{Type: aws.ToString(w.VolumeType), IOPS: w.Iops, Throughput: w.Throughput}
}

// currentShape is the shape request that keeps a mapping's volume as it is.
func currentShape(e *EBSMapping) ebs.ShapeRequest {
	req := ebs.ShapeRequest{Type: e.VolumeType}
	iops, throughput := e.IOPS, e.Throughput
	switch e.VolumeType {
	case ebs.GP3:
		req.IOPS, req.Throughput = nonZero(iops), nonZero(throughput)
	case ebs.IO1, ebs.IO2:
		req.IOPS = nonZero(iops)
	}
	return req
}

func nonZero(v int32) *int32 {
	if v == 0 {
		return nil
	}
	return &v
}

// resolveShape applies EBS's rules to a mapping's volume once its size is
// known: the type's defaults (gp2 without a type, gp3's baseline IOPS and
// throughput) and AWS's limits, with the EBS API's errors.
func resolveShape(e *EBSMapping, req ebs.ShapeRequest) error {
	req.SizeGiB = e.VolumeSizeGiB
	s, err := ebs.ResolveShape(req)
	if err != nil {
		return err
	}
	e.VolumeType, e.IOPS, e.Throughput = s.Type, s.IOPS, s.Throughput
	return nil
}

// wireMappings renders an image's mappings as DescribeImages shows them.
func wireMappings(ms []Mapping) []ec2api.BlockDeviceMapping {
	out := make([]ec2api.BlockDeviceMapping, 0, len(ms))
	for _, m := range ms {
		w := ec2api.BlockDeviceMapping{DeviceName: aws.String(m.DeviceName)}
		switch {
		case m.NoDevice:
			w.NoDevice = aws.String("")
		case m.VirtualName != "":
			w.VirtualName = aws.String(m.VirtualName)
		case m.EBS != nil:
			e := m.EBS
			w.Ebs = &ec2api.EbsBlockDevice{DeleteOnTermination: aws.Bool(e.DeleteOnTermination), VolumeSize: aws.Int32(e.VolumeSizeGiB),
				VolumeType: aws.String(e.VolumeType), Encrypted: aws.Bool(e.Encrypted)}
			if e.SnapshotID != "" {
				w.Ebs.SnapshotId = aws.String(e.SnapshotID)
			}
			if e.IOPS != 0 {
				w.Ebs.Iops = aws.Int32(e.IOPS)
			}
			if e.Throughput != 0 {
				w.Ebs.Throughput = aws.Int32(e.Throughput)
			}
			if e.KMSKeyID != "" {
				w.Ebs.KmsKeyId = aws.String(e.KMSKeyID)
			}
		}
		out = append(out, w)
	}
	return out
}

// mappingFields are the block-device-mapping.* filter values of an image.
func mappingFields(ms []Mapping, f map[string][]string) {
	for _, m := range ms {
		f["block-device-mapping.device-name"] = append(f["block-device-mapping.device-name"], m.DeviceName)
		if m.EBS == nil {
			continue
		}
		e := m.EBS
		f["block-device-mapping.snapshot-id"] = append(f["block-device-mapping.snapshot-id"], e.SnapshotID)
		f["block-device-mapping.volume-size"] = append(f["block-device-mapping.volume-size"], strconv.Itoa(int(e.VolumeSizeGiB)))
		f["block-device-mapping.volume-type"] = append(f["block-device-mapping.volume-type"], e.VolumeType)
		f["block-device-mapping.delete-on-termination"] = append(f["block-device-mapping.delete-on-termination"], strconv.FormatBool(e.DeleteOnTermination))
		f["block-device-mapping.encrypted"] = append(f["block-device-mapping.encrypted"], strconv.FormatBool(e.Encrypted))
	}
}

// fillFromSnapshot checks a new EBS mapping: an empty volume needs a size; a
// snapshot must exist and be usable by account, and the size defaults to and
// must hold the snapshot's.
func fillFromSnapshot(m *Mapping, snaps []ebs.Snapshot, account string) error {
	e := m.EBS
	if e.SnapshotID == "" {
		if e.VolumeSizeGiB == 0 {
			return badMapping("Either snapshot ID or volume size must be provided for: %s", m.DeviceName)
		}
		return nil
	}
	sn := findSnapshot(snaps, e.SnapshotID)
	if sn == nil || !sn.Usable(account) {
		return snapshotNotFound(e.SnapshotID)
	}
	if e.VolumeSizeGiB == 0 {
		e.VolumeSizeGiB = sn.VolumeSizeGiB
	}
	if e.VolumeSizeGiB < sn.VolumeSizeGiB {
		return badMapping("Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", e.VolumeSizeGiB, sn.ID, sn.VolumeSizeGiB)
	}
	e.Encrypted = e.Encrypted || sn.Encrypted
	return nil
}

func findSnapshot(snaps []ebs.Snapshot, id string) *ebs.Snapshot {
	for i := range snaps {
		if snaps[i].ID == id {
			return &snaps[i]
		}
	}
	return nil
}

func snapshotNotFound(id string) error {
	if !ebs.SnapshotKind.ValidID(id) {
		return awserr.BadRequest(ebs.SnapshotKind.Malformed, "Invalid id: \"%s\" (expecting \"snap-...\")", id)
	}
	return awserr.BadRequest(ebs.SnapshotKind.NotFound, "The snapshot '%s' does not exist.", id)
}

// uniqueDevices rejects a device named twice in BlockDeviceMappings.
func uniqueDevices(ws []ec2api.BlockDeviceMapping) error {
	seen := map[string]bool{}
	for _, w := range ws {
		d := aws.ToString(w.DeviceName)
		if d == "" {
			return awserr.MissingParameter("BlockDeviceMapping.DeviceName")
		}
		if seen[d] {
			return badMapping("The device name %s is used more than once.", d)
		}
		seen[d] = true
	}
	return nil
}
