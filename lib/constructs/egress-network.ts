import { Fn, Validations } from 'aws-cdk-lib';
import { CfnEIP, GatewayVpcEndpointAwsService, IpAddresses, type PublicSubnet, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface EgressNetworkProps {
  /** The VPC's range; pick one that overlaps none of the private networks receivers live in. @default '10.213.0.0/16' */
  readonly cidr?: string;
}

/**
 * Where the delivery worker runs when deliveries must leave from fixed addresses: a VPC of two
 * Availability Zones, the worker in private subnets, each zone's NAT gateway on an Elastic IP
 * (the addresses receivers allow-list), DynamoDB through a gateway endpoint (no NAT charge for
 * the worker's busiest traffic). Private networks the operator allows as targets are reached
 * by routing them into this VPC (peering, Transit Gateway or VPN).
 */
export class EgressNetwork extends Construct {
  public readonly vpc: Vpc;
  public readonly securityGroup: SecurityGroup;
  /** The NAT gateways' public addresses, one per zone. */
  public readonly egressIps: string[];

  constructor(scope: Construct, id: string, props: EgressNetworkProps = {}) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr ?? '10.213.0.0/16'),
      maxAzs: 2,
      natGateways: 2,
      subnetConfiguration: [
        { name: 'nat', subnetType: SubnetType.PUBLIC, cidrMask: 26 },
        { name: 'worker', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    Validations.of(this.vpc).acknowledge({
      id: 'AwsSolutions::AwsSolutions-VPC7',
      reason: 'Only the delivery worker lives in this VPC, and every request it makes to a receiver is recorded in the delivery history with its status and timing; flow logs would add a per-GB charge and tell nothing more.',
    });
    // Webhook URLs may name any port; which addresses may be reached is decided per connection by the worker's egress rules.
    this.securityGroup = new SecurityGroup(this, 'Worker', { vpc: this.vpc, description: 'hookpost delivery worker: outbound only', allowAllOutbound: true });
    this.egressIps = this.vpc.publicSubnets.map((subnet) => ((subnet as PublicSubnet).node.findChild('EIP') as CfnEIP).attrPublicIp);
  }

  /** The list to hand receivers, comma-separated. */
  get egressIpList(): string {
    return Fn.join(',', this.egressIps);
  }
}
