"""Shared helpers packaged into every Lambda function zip as lambda_common/."""
