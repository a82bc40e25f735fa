// The JavaScript SDK v3's STS GetCallerIdentity with its default Node.js credential chain
// (fromNodeProviderChain: environment, shared files with credential_process, container
// endpoint...); prints the caller's ARN. Run by crates/cli/tests/interop.rs.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

const client = new STSClient({ credentials: fromNodeProviderChain() });
try {
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(out.Arn);
} catch (e) {
  console.error(`get-caller-identity failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
