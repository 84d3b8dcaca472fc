output "layer_version_arn" {
  description = "ARN of the published layer version, for a function's `layers`."
  # The same ARN built as a template, which Terraform knows is not null before the first apply:
  # a caller can then decide count on `ffmpeg_layer_arn == null` (sns-fanout reusing
  # media-convert's layer) in the first plan.
  value = "${aws_lambda_layer_version.this.layer_arn}:${aws_lambda_layer_version.this.version}"
}

output "layer_arn" {
  description = "ARN of the layer without its version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of the published layer."
  value       = aws_lambda_layer_version.this.version
}
