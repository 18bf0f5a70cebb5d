/**
 * Construction of the CloudTrail SDK client. Only cli.ts and main.ts call this; everything else receives the
 * client or a LookupEventsSource built on it.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailClientConfig } from '@aws-sdk/client-cloudtrail';

export interface CloudTrailClientOptions {
  /** The config value cloudTrailRegion (us-east-1 unless KEYHUNT_CLOUDTRAIL_REGION sets another). */
  region: string;
  /** Endpoint URL, such as a local emulator in tests. The SDK also reads AWS_ENDPOINT_URL_CLOUDTRAIL. */
  endpoint?: string;
  /** Fixed credentials for tests. Without them the SDK's default credential chain is used. */
  credentials?: CloudTrailClientConfig['credentials'];
}

/**
 * Creates the CloudTrail client for LookupEvents. The Region is passed explicitly so that AWS_REGION, which
 * often names the Region of the workload, does not move the poller away from where IAM events are recorded.
 * SDK retries are off (maxAttempts 1) because LookupEventsSource retries with the shared rate limiter and
 * counts throttling for poll health.
 */
export function createCloudTrailClient(options: CloudTrailClientOptions): CloudTrailClient {
  return new CloudTrailClient({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
