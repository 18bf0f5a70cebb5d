import { classifyUserAgent } from '../../src/detect/index.js';

describe('classifyUserAgent', () => {
  test.each([
    ['signin.amazonaws.com', 'console'],
    ['console.amazonaws.com', 'console'],
    ['aws-internal/3 aws-sdk-java/1.12.720 Linux/5.10', 'console'],
    [
      'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/iam.create-access-key',
      'cli',
    ],
    ['Boto3/1.34.0 Python/3.12.1 Linux/6.1 Botocore/1.34.0', 'sdk'],
    ['aws-sdk-go/1.44.157 (go1.19.3; linux; amd64)', 'sdk'],
    ['aws-sdk-js/3.400.0 ua/2.0 os/linux#6.1 lang/js md/nodejs#20.10.0', 'sdk'],
    ['APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io) aws-sdk-go/1.44.157', 'iac'],
    ['cloudformation.amazonaws.com', 'iac'],
    ['stratus-red-team_61e3765a-ab18-4da8-b5ac-4ec10986ed4b', 'other'],
    ['', 'other'],
  ])('%s is %s', (userAgent, expected) => {
    expect(classifyUserAgent(userAgent)).toBe(expected);
  });

  test('null is other', () => {
    expect(classifyUserAgent(null)).toBe('other');
  });
});
