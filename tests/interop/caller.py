"""boto3's STS GetCallerIdentity with its default credential chain; prints the caller's ARN.
Run by crates/cli/tests/interop.rs with the interpreter of .venv-awscli."""
import boto3

print(boto3.client("sts").get_caller_identity()["Arn"])
