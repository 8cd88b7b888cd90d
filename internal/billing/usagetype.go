package billing

// Platform is the operating system and licence an instance bills as, named
// as the Cost Explorer PLATFORM dimension and Spot price history name it.
type Platform string

// Platforms with distinct prices and operation codes.
const (
	PlatformLinux         Platform = "Linux/UNIX"
	PlatformWindows       Platform = "Windows"
	PlatformRHEL          Platform = "Red Hat Enterprise Linux"
	PlatformRHELHA        Platform = "Red Hat Enterprise Linux with HA"
	PlatformSUSE          Platform = "SUSE Linux"
	PlatformUbuntuPro     Platform = "Ubuntu Pro"
	PlatformWindowsSQLStd Platform = "Windows with SQL Server Standard"
	PlatformWindowsSQLWeb Platform = "Windows with SQL Server Web"
	PlatformWindowsSQLEnt Platform = "Windows with SQL Server Enterprise"
	PlatformLinuxSQLStd   Platform = "Linux with SQL Server Standard"
	PlatformLinuxSQLWeb   Platform = "Linux with SQL Server Web"
	PlatformLinuxSQLEnt   Platform = "Linux with SQL Server Enterprise"
)

// operationCodes are the RunInstances operation suffixes AWS uses in usage
// records to tell platforms apart (the usage type is the same).
var operationCodes = map[Platform]string{
	PlatformLinux:         "RunInstances",
	PlatformWindows:       "RunInstances:0002",
	PlatformRHEL:          "RunInstances:0010",
	PlatformRHELHA:        "RunInstances:1010",
	PlatformSUSE:          "RunInstances:000g",
	PlatformUbuntuPro:     "RunInstances:0g00",
	PlatformWindowsSQLStd: "RunInstances:0006",
	PlatformWindowsSQLWeb: "RunInstances:0202",
	PlatformWindowsSQLEnt: "RunInstances:0102",
	PlatformLinuxSQLStd:   "RunInstances:0004",
	PlatformLinuxSQLWeb:   "RunInstances:0200",
	PlatformLinuxSQLEnt:   "RunInstances:0100",
}

// Operation returns the RunInstances operation code of p; unknown platforms
// bill as plain RunInstances.
func (p Platform) Operation() string {
	if op, ok := operationCodes[p]; ok {
		return op
	}
	return "RunInstances"
}

// Cost Explorer SERVICE values of the line items.
const (
	ServiceCompute      = "Amazon Elastic Compute Cloud - Compute"
	ServiceEC2Other     = "EC2 - Other"
	ServiceVPC          = "Amazon Virtual Private Cloud"
	ServiceSavingsPlans = "Savings Plans for AWS Compute usage"
)

// Cost Explorer PURCHASE_TYPE values of the line items.
const (
	PurchaseOnDemand            = "On Demand Instances"
	PurchaseSpot                = "Spot Instances"
	PurchaseStandardReserved    = "Standard Reserved Instances"
	PurchaseConvertibleReserved = "Convertible Reserved Instances"
	PurchaseSavingsPlans        = "Savings Plans"
)

// Units of Quantity.
const (
	UnitHours    = "Hrs"
	UnitGBMonths = "GB-Mo"
	UnitCount    = "Count" // upfront fees: Quantity counts what was bought
)

// regionCodes are the prefixes AWS puts before usage types outside
// us-east-1 ("USE2-BoxUsage:m5.large"); us-east-1 has none.
var regionCodes = map[string]string{
	"us-east-2": "USE2", "us-west-1": "USW1", "us-west-2": "USW2",
	"ca-central-1": "CAN1", "ca-west-1": "CAN2",
	"eu-west-1": "EU", "eu-west-2": "EUW2", "eu-west-3": "EUW3",
	"eu-central-1": "EUC1", "eu-central-2": "EUC2", "eu-north-1": "EUN1",
	"eu-south-1": "EUS1", "eu-south-2": "EUS2",
	"ap-northeast-1": "APN1", "ap-northeast-2": "APN2", "ap-northeast-3": "APN3",
	"ap-southeast-1": "APS1", "ap-southeast-2": "APS2", "ap-southeast-3": "APS4",
	"ap-southeast-4": "APS6", "ap-south-1": "APS3", "ap-south-2": "APS5",
	"ap-east-1": "APE1", "sa-east-1": "SAE1", "me-south-1": "MES1",
	"me-central-1": "MEC1", "af-south-1": "AFS1", "il-central-1": "ILC1",
	"us-gov-west-1": "UGW1", "us-gov-east-1": "UGE1",
}

// usageType prefixes name with region's code, AWS style.
func usageType(region, name string) string {
	if code, ok := regionCodes[region]; ok {
		return code + "-" + name
	}
	return name
}

func instanceUsageType(region string, m Market, t Tenancy, instanceType string) string {
	switch {
	case m == MarketSpot:
		return usageType(region, "SpotUsage:"+instanceType)
	case t == TenancyDedicated:
		return usageType(region, "DedicatedUsage:"+instanceType)
	}
	return usageType(region, "BoxUsage:"+instanceType)
}

func unusedReservationUsageType(region string, t Tenancy, instanceType string) string {
	if t == TenancyDedicated {
		return usageType(region, "UnusedDed:"+instanceType)
	}
	return usageType(region, "UnusedBox:"+instanceType)
}

// volumeUsageType follows AWS's names, which predate the type names for
// magnetic ("standard") and io1 ("piops") volumes.
func volumeUsageType(region, volumeType string) string {
	switch volumeType {
	case "standard":
		return usageType(region, "EBS:VolumeUsage")
	case "io1":
		return usageType(region, "EBS:VolumeUsage.piops")
	}
	return usageType(region, "EBS:VolumeUsage."+volumeType)
}
