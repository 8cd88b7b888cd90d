package instances

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/iam"
)

// assocKind names instance profile associations (iip-assoc-…).
var assocKind = resource.Kind{Prefix: "iip-assoc"}

// Association states, as EC2 spells them.
const (
	assocAssociating    = "associating"
	assocAssociated     = "associated"
	assocDisassociating = "disassociating"
)

// ProfileAssociation is the IAM instance profile attached to an instance.
// The metadata service hands out the credentials of the profile's role.
type ProfileAssociation struct {
	ProfileARN    string    `json:"profileArn"`
	ProfileID     string    `json:"profileId"`
	AssociationID string    `json:"associationId"`
	State         string    `json:"state"`
	Since         time.Time `json:"since"`
}

// resolveProfile finds the instance profile a specification names in the
// caller's account, and checks that it has a role the caller may pass.
func (h *Handlers) resolveProfile(ctx context.Context, r *api.Request, spec *ec2api.IamInstanceProfileSpecification, now time.Time) (*ProfileAssociation, error) {
	name, arn := aws.ToString(spec.Name), aws.ToString(spec.Arn)
	switch {
	case name != "" && arn != "":
		return nil, awserr.BadRequest("InvalidParameterCombination", "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'")
	case name == "" && arn == "":
		return nil, awserr.MissingParameter("iamInstanceProfile.name or iamInstanceProfile.arn")
	}
	invalid := awserr.InvalidParameterValue("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", name)
	if arn != "" {
		invalid = awserr.InvalidParameterValue("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
	}
	if h.IAM == nil {
		return nil, invalid
	}
	var p *iam.InstanceProfile
	var err error
	if arn != "" {
		p, err = h.IAM.InstanceProfileByARN(ctx, r.AccountID, arn)
	} else {
		p, err = h.IAM.InstanceProfileByName(ctx, r.AccountID, name)
	}
	if errors.Is(err, iam.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	role, err := h.IAM.ProfileRole(ctx, p)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeAction("iam:PassRole", api.Resource{ARN: role.ARN()}); err != nil {
		return nil, err
	}
	return &ProfileAssociation{ProfileARN: p.ARN(), ProfileID: p.ID, AssociationID: assocKind.NewID(), State: assocAssociated, Since: now}, nil
}

// revokeRole ends the credentials of an association (best effort: the
// association is gone from the record either way).
func (h *Handlers) revokeRole(ctx context.Context, assocID string) error {
	if h.RevokeRole == nil {
		return nil
	}
	return h.RevokeRole(ctx, assocID)
}

func wireAssociation(in *Instance, a *ProfileAssociation, state string) *ec2api.IamInstanceProfileAssociation {
	return &ec2api.IamInstanceProfileAssociation{
		AssociationId: aws.String(a.AssociationID), InstanceId: aws.String(in.ID),
		IamInstanceProfile: &ec2api.IamInstanceProfile{Arn: aws.String(a.ProfileARN), Id: aws.String(a.ProfileID)},
		State:              aws.String(state), Timestamp: aws.Time(a.Since),
	}
}

// AssociateIamInstanceProfile attaches an instance profile to an instance
// that has none.
func (h *Handlers) AssociateIamInstanceProfile(ctx context.Context, r *api.Request, in *ec2api.AssociateIamInstanceProfileRequest) (*ec2api.AssociateIamInstanceProfileResult, error) {
	id := aws.ToString(in.InstanceId)
	if err := checkID(id); err != nil {
		return nil, err
	}
	if in.IamInstanceProfile == nil {
		return nil, awserr.MissingParameter("IamInstanceProfile")
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, inst.authz()); err != nil {
		return nil, err
	}
	if err := canAssociate(inst); err != nil {
		return nil, err
	}
	a, err := h.resolveProfile(ctx, r, in.IamInstanceProfile, r.Now.UTC())
	if err != nil {
		return nil, err
	}
	inst, err = h.Instances.Update(ctx, r.Region, r.AccountID, id, func(i *Instance) error {
		if err := canAssociate(i); err != nil {
			return err
		}
		i.IAMProfile = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	return &ec2api.AssociateIamInstanceProfileResult{IamInstanceProfileAssociation: wireAssociation(inst, a, assocAssociating)}, nil
}

func canAssociate(i *Instance) error {
	if i.State == Terminated || i.State == ShuttingDown {
		return incorrectState(i, "associated")
	}
	if i.IAMProfile != nil {
		return awserr.BadRequest("IncorrectState", "There is an existing association for instance %s", i.ID)
	}
	return nil
}

// findAssociation returns the instance holding an association id.
func (h *Handlers) findAssociation(ctx context.Context, r *api.Request, assocID string) (*Instance, error) {
	if assocID == "" {
		return nil, awserr.MissingParameter("AssociationId")
	}
	all, err := h.Instances.List(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if a := all[i].IAMProfile; a != nil && a.AssociationID == assocID {
			return &all[i], nil
		}
	}
	return nil, awserr.BadRequest("InvalidAssociationID.NotFound", "An association with ID %s does not exist.", assocID)
}

// ReplaceIamInstanceProfileAssociation swaps an instance's profile for
// another under a new association id; the old role's credentials end.
func (h *Handlers) ReplaceIamInstanceProfileAssociation(ctx context.Context, r *api.Request, in *ec2api.ReplaceIamInstanceProfileAssociationRequest) (*ec2api.ReplaceIamInstanceProfileAssociationResult, error) {
	assocID := aws.ToString(in.AssociationId)
	if in.IamInstanceProfile == nil {
		return nil, awserr.MissingParameter("IamInstanceProfile")
	}
	inst, err := h.findAssociation(ctx, r, assocID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, inst.authz()); err != nil {
		return nil, err
	}
	a, err := h.resolveProfile(ctx, r, in.IamInstanceProfile, r.Now.UTC())
	if err != nil {
		return nil, err
	}
	inst, err = h.Instances.Update(ctx, r.Region, r.AccountID, inst.ID, func(i *Instance) error {
		if i.IAMProfile == nil || i.IAMProfile.AssociationID != assocID {
			return awserr.BadRequest("InvalidAssociationID.NotFound", "An association with ID %s does not exist.", assocID)
		}
		i.IAMProfile = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.revokeRole(ctx, assocID); err != nil {
		return nil, err
	}
	h.kick()
	return &ec2api.ReplaceIamInstanceProfileAssociationResult{IamInstanceProfileAssociation: wireAssociation(inst, a, assocAssociating)}, nil
}

// DisassociateIamInstanceProfile detaches an instance's profile and revokes
// the credentials the instance was given.
func (h *Handlers) DisassociateIamInstanceProfile(ctx context.Context, r *api.Request, in *ec2api.DisassociateIamInstanceProfileRequest) (*ec2api.DisassociateIamInstanceProfileResult, error) {
	assocID := aws.ToString(in.AssociationId)
	inst, err := h.findAssociation(ctx, r, assocID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, inst.authz()); err != nil {
		return nil, err
	}
	var old *ProfileAssociation
	inst, err = h.Instances.Update(ctx, r.Region, r.AccountID, inst.ID, func(i *Instance) error {
		if i.IAMProfile == nil || i.IAMProfile.AssociationID != assocID {
			return awserr.BadRequest("InvalidAssociationID.NotFound", "An association with ID %s does not exist.", assocID)
		}
		old, i.IAMProfile = i.IAMProfile, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.revokeRole(ctx, assocID); err != nil {
		return nil, err
	}
	h.kick()
	return &ec2api.DisassociateIamInstanceProfileResult{IamInstanceProfileAssociation: wireAssociation(inst, old, assocDisassociating)}, nil
}

var assocFilterNames = []string{"instance-id", "state"}

// DescribeIamInstanceProfileAssociations lists the account's associations.
func (h *Handlers) DescribeIamInstanceProfileAssociations(ctx context.Context, r *api.Request, in *ec2api.DescribeIamInstanceProfileAssociationsRequest) (*ec2api.DescribeIamInstanceProfileAssociationsResult, error) {
	fs, err := filter.FromWire(in.Filters, assocFilterNames, false)
	if err != nil {
		return nil, err
	}
	if len(in.AssociationIds) > 0 && len(in.Filters) > 0 {
		return nil, awserr.BadRequest("InvalidParameterCombination", "The parameter AssociationIds cannot be used with the parameter Filters")
	}
	if err := r.Authorize(nil); err != nil {
		return nil, err
	}
	all, err := h.visible(ctx, r)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range in.AssociationIds {
		want[id] = true
	}
	out := &ec2api.DescribeIamInstanceProfileAssociationsResult{IamInstanceProfileAssociations: []ec2api.IamInstanceProfileAssociation{}}
	for i := range all {
		inst := &all[i]
		a := inst.IAMProfile
		if a == nil || inst.State == Terminated {
			continue
		}
		if len(want) > 0 && !want[a.AssociationID] {
			continue
		}
		delete(want, a.AssociationID)
		fields := filter.Values(map[string][]string{"instance-id": {inst.ID}, "state": {a.State}})
		if !fs.Match(fields, nil) {
			continue
		}
		out.IamInstanceProfileAssociations = append(out.IamInstanceProfileAssociations, *wireAssociation(inst, a, a.State))
	}
	for id := range want {
		return nil, awserr.BadRequest("InvalidAssociationID.NotFound", "An association with ID %s does not exist.", id)
	}
	return out, nil
}
