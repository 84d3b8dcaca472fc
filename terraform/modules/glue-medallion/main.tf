# Medallion data pipeline on AWS Glue: raw retail CSV -> bronze (typed Parquet) -> silver (all
# sales joined to their customer and product) -> gold (four marts), every table partitioned by
# run date (dt=YYYY-MM-DD) and cataloged by its own crawler. state_machine.tf drives it.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# Existing buckets are read at plan: a name that does not exist fails there, not mid-apply.
data "aws_s3_bucket" "source" {
  count  = var.create_source_bucket ? 0 : 1
  bucket = var.source_bucket_name
}

data "aws_s3_bucket" "lake" {
  count  = var.create_lake_bucket ? 0 : 1
  bucket = var.lake_bucket_name
}

locals {
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name
  account_id  = data.aws_caller_identity.current.account_id
  source_name = var.create_source_bucket ? module.source_bucket[0].id : data.aws_s3_bucket.source[0].id
  lake_name   = var.create_lake_bucket ? module.lake_bucket[0].id : data.aws_s3_bucket.lake[0].id
  source_arn  = var.create_source_bucket ? module.source_bucket[0].arn : data.aws_s3_bucket.source[0].arn
  lake_arn    = var.create_lake_bucket ? module.lake_bucket[0].arn : data.aws_s3_bucket.lake[0].arn
  db_prefix   = replace(var.name, "-", "_")

  source = "s3://${local.source_name}/${var.source_prefix}"
  lake   = "s3://${local.lake_name}/${var.lake_prefix}"
  marts  = ["salesbyageproducts", "salesbycustomer", "salesbydatetime", "salesbyresidence"]

  # Every table the jobs read or write, as S3 folders of dt=YYYY-MM-DD partitions.
  paths = merge(
    {
      source_customers = "${local.source}customers/"
      source_products  = "${local.source}products/"
      source_sales     = "${local.source}sales/"
      bronze_customers = "${local.lake}bronze/customers/"
      bronze_products  = "${local.lake}bronze/products/"
      bronze_sales     = "${local.lake}bronze/sales/"
      silver_purchases = "${local.lake}silver/purchase_all/"
    },
    { for mart in local.marts : "gold_${mart}" => "${local.lake}gold/${mart}/" },
  )

  databases = {
    bronze = "${local.db_prefix}_bronze"
    silver = "${local.db_prefix}_silver"
    gold   = "${local.db_prefix}_gold"
  }

  # The spec's jobs: script, tier, the paths passed as arguments, which of them it reads and
  # writes (its IAM and its crawler's targets follow from these).
  jobs = merge(
    {
      t0_dimension = {
        script      = "t0_dimension.py"
        tier        = "bronze"
        description = "T0 bronze dimension job: raw customer and product snapshots of the run date -> typed Parquet"
        arguments = {
          "--source_customers" = local.paths.source_customers
          "--source_products"  = local.paths.source_products
          "--target_customers" = local.paths.bronze_customers
          "--target_products"  = local.paths.bronze_products
        }
        reads  = [local.paths.source_customers, local.paths.source_products]
        writes = [local.paths.bronze_customers, local.paths.bronze_products]
      }
      t0_fact = {
        script      = "t0_fact.py"
        tier        = "bronze"
        description = "T0 bronze fact job: raw sales of the run date -> typed, validated Parquet"
        arguments = {
          "--source_sales" = local.paths.source_sales
          "--target_sales" = local.paths.bronze_sales
        }
        reads  = [local.paths.source_sales]
        writes = [local.paths.bronze_sales]
      }
      t1_fulljoin = {
        script      = "t1_fulljoin.py"
        tier        = "silver"
        description = "T1 silver full-join job: sales of the run date joined to their customer and product"
        arguments = {
          "--bronze_sales"     = local.paths.bronze_sales
          "--bronze_customers" = local.paths.bronze_customers
          "--bronze_products"  = local.paths.bronze_products
          "--target"           = local.paths.silver_purchases
        }
        reads  = [local.paths.bronze_sales, local.paths.bronze_customers, local.paths.bronze_products]
        writes = [local.paths.silver_purchases]
      }
    },
    { for mart in local.marts : "t2_${mart}" => {
      script      = "t2_${mart}.py"
      tier        = "gold"
      description = "T2 gold ${mart} mart of the run date's silver purchases"
      arguments = {
        "--silver_purchases" = local.paths.silver_purchases
        "--target"           = local.paths["gold_${mart}"]
      }
      reads  = [local.paths.silver_purchases]
      writes = [local.paths["gold_${mart}"]]
    } },
  )

  job_settings = { for key, job in local.jobs : key => {
    worker_type       = coalesce(try(var.job_overrides[key].worker_type, null), var.worker_type)
    number_of_workers = coalesce(try(var.job_overrides[key].number_of_workers, null), var.number_of_workers)
    timeout           = coalesce(try(var.job_overrides[key].timeout_minutes, null), var.job_timeout_minutes)
  } }

  observability_arguments = var.enable_observability ? {
    "--enable-metrics"                   = "true"
    "--enable-observability-metrics"     = "true"
    "--enable-continuous-cloudwatch-log" = "true"
  } : {}

  kms_statements = var.kms_key_arn == null ? [] : [{
    Sid      = "UseWorkflowKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    Resource = [var.kms_key_arn]
  }]
}

# --- buckets -------------------------------------------------------------------------------

module "source_bucket" {
  count         = var.create_source_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.source_bucket_name, "${var.name}-source")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "lake_bucket" {
  count         = var.create_lake_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.lake_bucket_name, "${var.name}-lake")
  kms_key_arn   = var.kms_key_arn
  versioning    = false # a re-run replaces its partition; history is the raw source
  force_destroy = var.force_destroy
  tags          = var.tags
}

# The job scripts. No --TempDir: the jobs write Parquet with Spark, not through DynamicFrame
# connectors that stage data there.
module "assets_bucket" {
  source        = "../s3-bucket"
  name          = "${var.name}-glue-assets"
  kms_key_arn   = var.kms_key_arn
  force_destroy = true # holds only the scripts, which this module uploads
  tags          = var.tags
}

resource "aws_s3_object" "script" {
  for_each    = fileset("${path.module}/jobs", "*.py")
  bucket      = module.assets_bucket.id
  key         = "scripts/${each.value}"
  source      = "${path.module}/jobs/${each.value}"
  source_hash = filemd5("${path.module}/jobs/${each.value}") # re-uploaded when the file changes
  tags        = var.tags
}

# --- catalog and encryption -----------------------------------------------------------------

resource "aws_glue_catalog_database" "tier" {
  for_each    = local.databases
  name        = each.value
  description = "${title(each.key)} tier of the ${var.name} medallion pipeline (tables partitioned by dt)"
  tags        = var.tags
}

resource "aws_glue_security_configuration" "this" {
  name = var.name

  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = var.kms_key_arn == null ? "SSE-S3" : "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = var.kms_key_arn == null ? "DISABLED" : "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }
  }
}

# --- jobs ----------------------------------------------------------------------------------

resource "aws_iam_role" "job" {
  for_each    = local.jobs
  name        = "${var.name}-${replace(each.key, "_", "-")}-job"
  description = "Role of the ${var.name} ${each.key} Glue job: reads its inputs, writes its outputs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

locals {
  # s3://bucket/key/ -> [bucket, key]
  split_paths = { for name, uri in local.paths : uri => regex("^s3://([^/]+)/(.*)$", uri) }

  # What Spark's S3 filesystem touches for a table at s3://bucket/<dir>/ besides the objects
  # under <dir>/: writing it first asks whether the folder exists (HEAD of the key <dir>, LIST
  # of <dir>/), and mkdirs walks up the parents doing the same (Hadoop S3A innerMkdirs: a 403
  # on a parent fails the job before Hadoop 3.3; EMRFS, Glue's s3:// filesystem, probes alike).
  # EMRFS marks folders with the empty object <dir>_$folder$ (AWS Knowledge Center "emr-s3-
  # empty-files"), outside <dir>/. Without these, 403s (not 404s) fail the first run.
  table_dirs = { for uri, parts in local.split_paths : uri => trimsuffix(parts[1], "/") }
  table_parents = { for uri, dir in local.table_dirs : uri => [
    for i in range(1, length(split("/", dir))) : join("/", slice(split("/", dir), 0, i))
  ] }
  job_s3 = { for key, job in local.jobs : key => {
    # Reads touch only the run date's partition folder under the table.
    read_objects = [for uri in job.reads : "arn:${local.partition}:s3:::${local.split_paths[uri][0]}/${local.table_dirs[uri]}/*"]
    write_objects = flatten([for uri in job.writes : [
      for suffix in ["", "/*", "_$folder$"] : "arn:${local.partition}:s3:::${local.split_paths[uri][0]}/${local.table_dirs[uri]}${suffix}"
    ]])
    # Parent folders are only probed (HEAD), never written or deleted.
    parent_objects = distinct(flatten([for uri in job.writes : [
      for parent in local.table_parents[uri] : [
        for suffix in ["", "_$folder$"] : "arn:${local.partition}:s3:::${local.split_paths[uri][0]}/${parent}${suffix}"
      ]
    ]]))
    list_prefixes = { for bucket in distinct([for uri in concat(job.reads, job.writes) : local.split_paths[uri][0]]) : bucket => distinct(concat(
      [for uri in job.reads : "${local.table_dirs[uri]}/*" if local.split_paths[uri][0] == bucket],
      flatten([for uri in job.writes : ["${local.table_dirs[uri]}/*", local.table_dirs[uri]] if local.split_paths[uri][0] == bucket]),
      # A parent's listing is asked for that exact prefix only (names, not contents).
      flatten([for uri in job.writes : flatten([for parent in local.table_parents[uri] : ["${parent}/", parent]]) if local.split_paths[uri][0] == bucket]),
    )) }
  } }

  glue_log_statements = [
    {
      Sid      = "WriteGlueLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
      Resource = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*"]
    },
    {
      Sid       = "PutGlueMetrics"
      Effect    = "Allow"
      Action    = ["cloudwatch:PutMetricData"]
      Resource  = ["*"] # PutMetricData has no resource-level permissions; limited by namespace
      Condition = { StringEquals = { "cloudwatch:namespace" = "Glue" } }
    },
  ]
}

resource "aws_iam_role_policy" "job" {
  for_each = local.jobs
  name     = "least-privilege"
  role     = aws_iam_role.job[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadInputs"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = local.job_s3[each.key].read_objects
        },
        {
          Sid      = "WriteOutputs"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = local.job_s3[each.key].write_objects
        },
        {
          Sid      = "ReadScripts"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["${module.assets_bucket.arn}/scripts/*"]
        },
      ],
      length(local.job_s3[each.key].parent_objects) == 0 ? [] : [{
        Sid      = "ProbeOutputParents"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = local.job_s3[each.key].parent_objects
      }],
      [for bucket, prefixes in local.job_s3[each.key].list_prefixes : {
        Sid       = "List${replace(title(replace(bucket, "/[^a-z0-9]+/", " ")), " ", "")}"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:${local.partition}:s3:::${bucket}"]
        Condition = { StringLike = { "s3:prefix" = prefixes } }
      }],
      local.glue_log_statements,
      local.kms_statements,
    )
  })
}

resource "aws_glue_job" "this" {
  for_each               = local.jobs
  name                   = "${var.name}-${replace(each.key, "_", "-")}"
  description            = each.value.description
  role_arn               = aws_iam_role.job[each.key].arn
  glue_version           = var.glue_version
  worker_type            = local.job_settings[each.key].worker_type
  number_of_workers      = local.job_settings[each.key].number_of_workers
  timeout                = local.job_settings[each.key].timeout
  execution_class        = var.execution_class
  max_retries            = 0 # data errors do not go away on retry; the state machine retries throttling
  security_configuration = aws_glue_security_configuration.this.name

  command {
    name            = "glueetl"
    script_location = "s3://${module.assets_bucket.id}/${aws_s3_object.script[each.value.script].key}"
    python_version  = "3"
  }

  execution_property {
    max_concurrent_runs = var.max_concurrent_runs
  }

  default_arguments = merge(
    {
      "--job-language"        = "python"
      "--job-bookmark-option" = var.job_bookmark_option
      "--extra-py-files"      = "s3://${module.assets_bucket.id}/${aws_s3_object.script["medallion.py"].key}"
    },
    local.observability_arguments,
    each.value.arguments,
  )

  tags = var.tags

  depends_on = [aws_iam_role_policy.job]
}

# --- crawlers: one per job, one S3 target (so one table) per output path -------------------

resource "aws_iam_role" "crawler" {
  name        = "${var.name}-crawler"
  description = "Role of the ${var.name} crawlers: reads the lake, writes its tables to the catalog"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "crawler" {
  name = "least-privilege"
  role = aws_iam_role.crawler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadTables"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = ["arn:${local.partition}:s3:::${local.lake_name}/${var.lake_prefix}*"]
        },
        {
          Sid       = "ListTables"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = ["arn:${local.partition}:s3:::${local.lake_name}"]
          Condition = { StringLike = { "s3:prefix" = ["${var.lake_prefix}*"] } }
        },
        {
          Sid    = "CatalogTables"
          Effect = "Allow"
          Action = [
            "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
            "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:BatchCreatePartition",
            "glue:UpdatePartition", "glue:BatchUpdatePartition",
          ]
          Resource = concat(
            ["arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"],
            [for db in aws_glue_catalog_database.tier : "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${db.name}"],
            [for db in aws_glue_catalog_database.tier : "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${db.name}/*"],
          )
        },
      ],
      local.glue_log_statements,
      local.kms_statements,
    )
  })
}

resource "aws_glue_crawler" "this" {
  for_each               = local.jobs
  name                   = "${var.name}-${replace(each.key, "_", "-")}"
  description            = "Catalogs the output of the ${each.key} job in ${local.databases[each.value.tier]}"
  role                   = aws_iam_role.crawler.arn
  database_name          = aws_glue_catalog_database.tier[each.value.tier].name
  security_configuration = aws_glue_security_configuration.this.name

  dynamic "s3_target" {
    for_each = each.value.writes
    content {
      path       = s3_target.value
      exclusions = ["**/_temporary/**", "**/_SUCCESS", "**.crc"]
    }
  }

  # An incremental run adds one dt= folder per table: crawl only new folders (as the spec does),
  # which AWS allows only with LOG policies. After changing a job's output schema, run the crawler
  # once with recrawl_behavior CRAWL_EVERYTHING (or update the table) to update the table.
  schema_change_policy {
    update_behavior = "LOG"
    delete_behavior = "LOG"
  }

  recrawl_policy {
    recrawl_behavior = "CRAWL_NEW_FOLDERS_ONLY"
  }

  # New partitions take the table's schema, so a new date never forks the table.
  configuration = jsonencode({
    Version = 1.0
    CrawlerOutput = {
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
    }
  })

  tags = var.tags

  depends_on = [aws_iam_role_policy.crawler]
}
