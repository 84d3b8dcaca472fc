variable "name" {
  description = "Name prefix for every resource of the workflow (jobs, crawlers, buckets; '-' becomes '_' in database names)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits and '-' (it prefixes bucket names)."
  }
}

# --- data locations ---------------------------------------------------------------------------

variable "create_source_bucket" {
  description = "Create the bucket holding the raw retail data; false to read an existing bucket named by source_bucket_name."
  type        = bool
  default     = true
}

variable "source_bucket_name" {
  description = "Name of the source bucket: the existing one with create_source_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-source)."
  type        = string
  default     = null

  validation {
    condition     = var.create_source_bucket || var.source_bucket_name != null
    error_message = "create_source_bucket = false uses an existing bucket: set source_bucket_name to its name."
  }
}

variable "source_prefix" {
  description = "Key prefix of the raw data: <prefix>customers/dt=YYYY-MM-DD/*.csv, <prefix>products/dt=.../*.csv and <prefix>sales/dt=.../*.csv (CSV with a header row)."
  type        = string
  default     = "raw/"

  validation {
    condition     = var.source_prefix == "" || can(regex("^[^/].*/$", var.source_prefix))
    error_message = "source_prefix must be empty or end with '/' (and not start with one)."
  }
}

variable "create_lake_bucket" {
  description = "Create the data lake bucket for the bronze, silver and gold tables; false to use an existing bucket named by lake_bucket_name."
  type        = bool
  default     = true
}

variable "lake_bucket_name" {
  description = "Name of the lake bucket: the existing one with create_lake_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-lake)."
  type        = string
  default     = null

  validation {
    condition     = var.create_lake_bucket || var.lake_bucket_name != null
    error_message = "create_lake_bucket = false uses an existing bucket: set lake_bucket_name to its name."
  }
}

variable "lake_prefix" {
  description = "Key prefix under which bronze/, silver/ and gold/ are written in the lake bucket."
  type        = string
  default     = ""

  validation {
    condition     = var.lake_prefix == "" || can(regex("^[^/].*/$", var.lake_prefix))
    error_message = "lake_prefix must be empty or end with '/' (and not start with one)."
  }
}

# --- Glue jobs ----------------------------------------------------------------------------------

variable "glue_version" {
  description = "Glue version of the jobs (the scripts are plain PySpark for Spark 3.3+)."
  type        = string
  default     = "5.0"

  validation {
    condition     = contains(["4.0", "5.0"], var.glue_version)
    error_message = "glue_version must be \"4.0\" or \"5.0\"."
  }
}

variable "worker_type" {
  description = "Worker type of every job (G.1X = 1 DPU: 4 vCPU, 16 GB)."
  type        = string
  default     = "G.1X"

  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X"], var.worker_type)
    error_message = "worker_type must be one of G.1X, G.2X, G.4X, G.8X."
  }
}

variable "number_of_workers" {
  description = "Workers per job run, the driver included."
  type        = number
  default     = 2

  validation {
    condition     = var.number_of_workers >= 2 && var.number_of_workers <= 299 && floor(var.number_of_workers) == var.number_of_workers
    error_message = "number_of_workers must be a whole number between 2 and 299."
  }
}

variable "job_overrides" {
  description = "Per-job worker_type, number_of_workers or timeout_minutes, keyed by t0_dimension, t0_fact, t1_fulljoin, t2_salesbyageproducts, t2_salesbycustomer, t2_salesbydatetime or t2_salesbyresidence."
  type = map(object({
    worker_type       = optional(string)
    number_of_workers = optional(number)
    timeout_minutes   = optional(number)
  }))
  default = {}

  validation {
    condition = alltrue([for key in keys(var.job_overrides) : contains([
      "t0_dimension", "t0_fact", "t1_fulljoin", "t2_salesbyageproducts", "t2_salesbycustomer",
      "t2_salesbydatetime", "t2_salesbyresidence",
    ], key)])
    error_message = "job_overrides keys must be job keys: t0_dimension, t0_fact, t1_fulljoin, t2_salesbyageproducts, t2_salesbycustomer, t2_salesbydatetime, t2_salesbyresidence."
  }

  validation {
    condition = alltrue([for o in values(var.job_overrides) :
      (o.worker_type == null || contains(["G.1X", "G.2X", "G.4X", "G.8X"], coalesce(o.worker_type, "G.1X"))) &&
      (o.number_of_workers == null || (coalesce(o.number_of_workers, 2) >= 2 && coalesce(o.number_of_workers, 2) <= 299)) &&
      (o.timeout_minutes == null || (coalesce(o.timeout_minutes, 1) >= 1 && coalesce(o.timeout_minutes, 1) <= 2880))
    ])
    error_message = "job_overrides: worker_type must be G.1X/G.2X/G.4X/G.8X, number_of_workers 2-299, timeout_minutes 1-2880."
  }
}

variable "job_timeout_minutes" {
  description = "A job run still running after this many minutes is stopped (TIMEOUT), failing the execution."
  type        = number
  default     = 60

  validation {
    condition     = var.job_timeout_minutes >= 1 && var.job_timeout_minutes <= 2880
    error_message = "job_timeout_minutes must be between 1 and 2880."
  }
}

variable "execution_class" {
  description = "STANDARD, or FLEX for cheaper jobs that may start later (Glue 3.0+)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "FLEX"], var.execution_class)
    error_message = "execution_class must be STANDARD or FLEX."
  }
}

variable "job_bookmark_option" {
  description = "Glue job bookmarks. The jobs select their input by run date, so bookmarks are not needed; they only affect DynamicFrame reads."
  type        = string
  default     = "job-bookmark-disable"

  validation {
    condition     = contains(["job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"], var.job_bookmark_option)
    error_message = "job_bookmark_option must be job-bookmark-enable, job-bookmark-disable or job-bookmark-pause."
  }
}

variable "max_concurrent_runs" {
  description = "Runs of one job at a time (several run dates at once need more); extra StartJobRun calls are retried by the state machine."
  type        = number
  default     = 1

  validation {
    condition     = var.max_concurrent_runs >= 1 && var.max_concurrent_runs <= 1000
    error_message = "max_concurrent_runs must be between 1 and 1000."
  }
}

variable "enable_observability" {
  description = "Turn on Glue job metrics, observability metrics and continuous CloudWatch logging."
  type        = bool
  default     = true
}

# --- state machine ------------------------------------------------------------------------------

variable "crawler_poll_seconds" {
  description = "Wait between GetCrawler polls while a crawler is RUNNING or STOPPING."
  type        = number
  default     = 30

  validation {
    condition     = var.crawler_poll_seconds >= 1 && var.crawler_poll_seconds <= 3600
    error_message = "crawler_poll_seconds must be between 1 and 3600."
  }
}

variable "retry_interval_seconds" {
  description = "First wait before retrying a Glue call rejected for throttling or concurrency (doubles, 6 attempts)."
  type        = number
  default     = 30

  validation {
    condition     = var.retry_interval_seconds >= 1 && var.retry_interval_seconds <= 600
    error_message = "retry_interval_seconds must be between 1 and 600."
  }
}

variable "schedule_expression" {
  description = "EventBridge schedule (cron(...) or rate(...), UTC) starting a run for the current date; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.schedule_expression == null || can(regex("^(cron|rate)\\(.+\\)$", coalesce(var.schedule_expression, "x")))
    error_message = "schedule_expression must look like cron(0 23 * * ? *) or rate(1 day)."
  }
}

variable "create_alert_topic" {
  description = "Create an SNS topic that receives a message when an execution fails."
  type        = bool
  default     = false
}

variable "alert_topic_arn" {
  description = "Existing SNS topic to alert on failure (instead of create_alert_topic); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alert_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", coalesce(var.alert_topic_arn, "x")))
    error_message = "alert_topic_arn must be an SNS topic ARN."
  }
  validation {
    condition     = !(var.create_alert_topic && var.alert_topic_arn != null)
    error_message = "Set create_alert_topic or alert_topic_arn, not both."
  }
}

# --- common -------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the state machine's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_arn" {
  description = "KMS key for buckets, Glue data/logs/bookmarks, logs and the alert topic; null uses AWS-managed encryption."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "force_destroy" {
  description = "Allow destroying created buckets that still hold objects (for tests and demos)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "alarms_enabled" {
  description = "Create the CloudWatch alarms (executions and Glue job failures)."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "SNS topic ARNs the alarms notify on ALARM and OK (their policies and keys must let cloudwatch.amazonaws.com publish)."
  type        = list(string)
  default     = []
}

variable "create_alarm_topic" {
  description = "Create an encrypted SNS topic <name>-alarms that the alarms notify (with kms_key_arn, whose policy must then let cloudwatch.amazonaws.com use it; else with a key of its own)."
  type        = bool
  default     = false
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard <name>."
  type        = bool
  default     = true
}
