import type { UserAgentClass } from './types.js';

// Order matters: Terraform's user agent also names aws-sdk-go, and the CLI's names botocore.
const USER_AGENT_RULES: ReadonlyArray<[UserAgentClass, RegExp]> = [
  ['console', /^(signin|console)\.amazonaws\.com$|console\.aws\.amazon\.com|^aws-internal\//i],
  ['iac', /terraform|hashicorp|pulumi|cloudformation|aws-cdk|crossplane|ansible/i],
  ['cli', /(^|\s)aws-cli\//i],
  ['sdk', /boto3|botocore|aws-sdk-|aws-chalice|aws-sdk\/|aws-powertools/i],
];

/** Classifies a CloudTrail `userAgent` as console, CLI, SDK, infrastructure as code or other. */
export function classifyUserAgent(userAgent: string | null): UserAgentClass {
  if (!userAgent) return 'other';
  for (const [userAgentClass, pattern] of USER_AGENT_RULES) {
    if (pattern.test(userAgent)) return userAgentClass;
  }
  return 'other';
}
