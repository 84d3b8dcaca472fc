"""rider-photo end to end on the local AWS: terraform applies the module, uploads to
`<userId>/<file>` start the state machine, the real functions call the local Rekognition (a real
face detector and embedding), and the test checks each photo's path through the states and what
it left behind: thumbnail, DynamoDB item, indexed face, notification."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sample_photos as samples
from lambda_common.naming import execution_name
from PIL import Image
from workflow_runs import wait_for_execution

from tests.support.alarms import AlarmInbox
from tests.support.asl_checks import assert_deployed_definition_is_sound
from tests.support.dead_letters import assert_failed_event_is_dead_lettered
from tests.support.riders import deregister, registration_state

pytestmark = pytest.mark.e2e

HAPPY_PATH = [
    "FaceDetection",
    "CheckFaceDuplicate",
    "ParallelProcessing",
    "AddFaceToIndex",
    "Thumbnail",
    "BothBranchesSucceeded",
    "PersistMetadata",
]
BRANCHES = {"AddFaceToIndex", "Thumbnail"}  # entered in either order
FAILED_PATH = ["NotifyFailure", "PhotoFailed"]  # the rider is told, the execution fails
THUMBNAIL_MAX_SIZE = 120  # as in tests/terraform/rider_photo/main.tf


def assert_happy_path(states: list[str]) -> None:
    assert len(states) == len(HAPPY_PATH)
    assert states[:3] == HAPPY_PATH[:3] and states[5:] == HAPPY_PATH[5:]
    assert set(states[3:5]) == BRANCHES


@pytest.fixture(scope="module")
def workflow(deployments):
    """The root's outputs (tests/support/deployments.py applies every root at once)."""
    _, outputs = deployments.wait("rider_photo")
    yield outputs
    deployments.release("rider_photo")


class Run:
    """One upload and the execution it started."""

    def __init__(self, local_aws, workflow: dict, user: str, file: str, body: bytes, email=None):
        self.local_aws, self.outputs = local_aws, workflow["rider_photo"]
        self.user, self.key = user, f"{user}/{file}"
        extra = {"Metadata": {"email": email}} if email else {}
        etag = local_aws.client("s3").put_object(
            Bucket=self.outputs["photo_bucket"], Key=self.key, Body=body, **extra
        )["ETag"]
        name = execution_name(self.outputs["photo_bucket"], self.key, etag)
        self.arn = (
            self.outputs["state_machine_arn"].replace(":stateMachine:", ":execution:") + f":{name}"
        )

    def wait(self) -> Run:
        sfn = self.local_aws.client("stepfunctions")
        deadline = time.time() + 60  # the start function runs asynchronously
        while True:
            try:
                sfn.describe_execution(executionArn=self.arn)
                break
            except sfn.exceptions.ExecutionDoesNotExist:
                assert time.time() < deadline, f"no execution started for {self.key}"
                time.sleep(0.3)
        self.execution = wait_for_execution(self.local_aws, self.arn, timeout=300)
        events = sfn.get_execution_history(executionArn=self.arn, maxResults=1000)["events"]
        self.states = [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]
        return self

    @property
    def output(self) -> dict:
        return json.loads(self.execution["output"])


def run_all(local_aws, workflow, cases: dict) -> dict[str, Run]:
    """Upload every case at once and wait for all: the executions run side by side."""
    runs = {name: Run(local_aws, workflow, *case) for name, case in cases.items()}
    with ThreadPoolExecutor(len(runs)) as pool:
        list(pool.map(Run.wait, runs.values()))
    return runs


@contextlib.contextmanager
def thumbnail_writes_denied(local_aws, outputs: dict, user: str):
    """Fault from the outside: the thumbnail bucket's policy denies writes under one rider's
    folder (an explicit Deny beats the function role's Allow), then is put back as it was."""
    s3, bucket = local_aws.client("s3"), outputs["thumbnail_bucket"]
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    denied = json.loads(policy)
    denied["Statement"].append(
        {
            "Sid": "TestDenyThumbnail",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/{user}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(denied))
    try:
        yield
    finally:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)


@contextlib.contextmanager
def statement_revoked(local_aws, function: str, sid: str):
    """Fault from the outside: the function's role loses one statement, then gets it back."""
    role = local_aws.client("lambda").get_function_configuration(FunctionName=function)["Role"]
    iam, role_name = local_aws.client("iam"), role.split("/")[-1]
    policy_name = iam.list_role_policies(RoleName=role_name)["PolicyNames"][0]
    granted = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    reduced = {**granted, "Statement": [s for s in granted["Statement"] if s.get("Sid") != sid]}
    assert len(reduced["Statement"]) == len(granted["Statement"]) - 1
    iam.put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(reduced)
    )
    try:
        yield
    finally:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(granted)
        )


@pytest.fixture(scope="module")
def races(local_aws, workflow):
    """Concurrent registrations, then failures after the face was indexed, each phase's outcome
    recorded: the sample photos have two faces only (the astronaut's and the cameraman's), so
    the concurrent phase's registrations are removed again, and the riders whose photos failed
    upload again in `runs` (as user_a and user_i)."""
    outputs, tag = workflow["rider_photo"], uuid.uuid4().hex[:4]
    # Five riders, one face, at once; and one rider sending three photos at once.
    crowd = [f"crowd{i}-{tag}" for i in range(5)]
    burst_user = f"burst-{tag}"
    cases = {user: (user, "selfie.png", samples.png(samples.cameraman())) for user in crowd}
    cases |= {f"burst{i}": (burst_user, f"photo{i}.jpg", samples.happy_face()) for i in range(3)}
    concurrent = run_all(local_aws, workflow, cases)
    concurrent_left = registration_state(local_aws, outputs, [*crowd, burst_user])
    deregister(local_aws, outputs, [*crowd, burst_user])

    # A failure at Thumbnail (its bucket refuses the write) and at PersistMetadata (its role
    # lost the write), after AddFaceToIndex succeeded.
    thumbnail_user, persist_user = f"user_a-{tag}", f"user_i-{tag}"
    with (
        thumbnail_writes_denied(local_aws, outputs, thumbnail_user),
        statement_revoked(local_aws, outputs["function_names"]["persist_metadata"], "WriteRider"),
    ):
        failed = run_all(
            local_aws,
            workflow,
            {
                "thumbnail": (thumbnail_user, "first.jpg", samples.happy_face()),
                "persist": (persist_user, "first.png", samples.png(samples.cameraman())),
            },
        )
    return {
        "tag": tag,
        "crowd": [concurrent[user] for user in crowd],
        "burst": [concurrent[f"burst{i}"] for i in range(3)],
        "concurrent_left": concurrent_left,
        "failed": failed,
        "failed_left": registration_state(local_aws, outputs, [thumbnail_user, persist_user]),
    }


def notifications_of(local_aws, workflow, run: Run) -> list[dict]:
    return [
        n
        for n in sns_notifications(local_aws, workflow)
        if (n["userId"], n["s3Key"]) == (run.user, run.key)
    ]


def registered(run: Run) -> bool:
    return run.execution["status"] == "SUCCEEDED" and run.states[-1] == "PersistMetadata"


def test_five_riders_with_one_face_at_once_register_one(local_aws, workflow, races):
    crowd, left = races["crowd"], races["concurrent_left"]
    winners = [run for run in crowd if registered(run)]
    assert len(winners) == 1, [(run.user, run.states) for run in crowd]
    (winner,) = winners
    for run in crowd:
        rider = left[run.user]
        if run is winner:
            assert rider["row"]["faceId"] == rider["faces"][0] and len(rider["faces"]) == 1
            assert rider["row"]["s3Key"] == run.key
            assert rider["thumbnails"] == [f"{run.user}/selfie.jpg"]
            assert notifications_of(local_aws, workflow, run) == []
            continue
        assert run.execution["status"] == "SUCCEEDED", run.execution
        assert run.states[-1] == "PhotoDoesNotMeetRequirement"
        assert run.output["error"] == "FaceAlreadyExistsError"
        # Named: the rider it lost to, the winner or another loser that was ahead of it.
        assert any(other.user in run.output["reason"] for other in crowd if other is not run)
        assert rider == {"row": None, "faces": [], "thumbnails": []}
        assert len(notifications_of(local_aws, workflow, run)) == 1


def test_a_rider_sending_several_photos_at_once_is_registered_once(local_aws, workflow, races):
    burst = races["burst"]
    rider = races["concurrent_left"][burst[0].user]
    winners = [run for run in burst if registered(run)]
    assert len(winners) == 1, [(run.key, run.execution["status"], run.states) for run in burst]
    (winner,) = winners
    assert rider["row"]["s3Key"] == winner.key
    assert rider["faces"] == [rider["row"]["faceId"]]
    assert rider["thumbnails"] == [winner.key]
    for run in burst:
        if run is not winner:
            assert run.execution["status"] == "SUCCEEDED", run.execution
            assert run.states[-1] == "PhotoDoesNotMeetRequirement"
            assert run.output["error"] == "RiderAlreadyRegisteredError"
            assert len(notifications_of(local_aws, workflow, run)) == 1


@pytest.mark.parametrize(
    ("case", "step", "denied"),
    [
        ("thumbnail", "Thumbnail", "s3:PutObject"),
        ("persist", "PersistMetadata", "dynamodb:UpdateItem"),
    ],
)
def test_a_failure_after_the_face_was_indexed_is_undone_and_notified(
    local_aws, workflow, races, case, step, denied
):
    run = races["failed"][case]
    assert run.execution["status"] == "FAILED"
    assert step in run.states and "AddFaceToIndex" in run.states
    assert run.states[-4:] == ["RemovePartialRegistration", "RefusedOrFailed", *FAILED_PATH]
    assert denied in run.execution["cause"]
    assert races["failed_left"][run.user] == {"row": None, "faces": [], "thumbnails": []}
    (notice,) = notifications_of(local_aws, workflow, run)
    assert notice["error"] == run.execution["error"]
    assert "upload" in notice["reason"]


@pytest.mark.parametrize(("case", "next_upload"), [("thumbnail", "happy"), ("persist", "retried")])
def test_the_riders_next_upload_after_a_failure_is_registered(races, runs, case, next_upload):
    run = runs[next_upload]  # its rider, what it wrote: test_happy_face..., test_transient...
    assert run.user == races["failed"][case].user
    assert registered(run), (run.execution, run.states)


def test_a_timed_out_task_is_retried(local_aws, workflow, runs):
    calls = local_aws.invocations(workflow["rider_photo"]["function_names"]["index_face"])
    assert [c["error_type"] for c in calls if c["injected"]] == ["Sandbox.Timedout"]
    assert registered(runs["happy"])


@pytest.fixture(scope="module")
def runs(local_aws, workflow, races):
    # user_a's and user_i's earlier photos failed (`races`); the happy photo's AddFaceToIndex
    # times out once (the only one of this first batch to get there), which Retry absorbs.
    tag = races["tag"]
    index_function = workflow["rider_photo"]["function_names"]["index_face"]
    local_aws.inject_fault(index_function, count=1, timeout=True)
    first = run_all(
        local_aws,
        workflow,
        {
            "happy": (f"user_a-{tag}", "1_happy_face.jpg", samples.happy_face()),
            "sunglasses": (
                f"user_b-{tag}",
                "2_sunglass_face.jpg",
                samples.sunglasses(),
                "rider-b@example.com",
            ),
            "several": (f"user_c-{tag}", "3_multiple_faces.jpg", samples.several_faces()),
            "no_face": (f"user_d-{tag}", "4_no_face.jpg", samples.no_face()),
            "not_an_image": (f"user_e-{tag}", "selfie.jpg", samples.not_an_image()),
            "truncated": (f"user_f-{tag}", "selfie.jpg", samples.truncated_jpeg()),
            "huge": (f"user_g-{tag}", "selfie.png", samples.huge_dimensions()),
        },
    )
    # These need the happy photo's face and rider item to exist already; the thumbnail of the
    # third fails once with a transient error, which the state machine's Retry absorbs.
    thumbnail_function = workflow["rider_photo"]["function_names"]["thumbnail"]
    local_aws.inject_fault(thumbnail_function, count=1, error_type="TransientServiceError")
    second = run_all(
        local_aws,
        workflow,
        {
            "duplicate": (f"user_h-{tag}", "selfie.jpg", samples.same_person()),
            "registered": (f"user_a-{tag}", "new_selfie.png", samples.png(samples.cameraman())),
            "retried": (f"user_i-{tag}", "selfie.png", samples.png(samples.cameraman())),
        },
    )
    return {**first, **second}


def test_a_failed_execution_raises_the_alarm_and_is_restarted_to_completion(local_aws, workflow):
    """Face detection is down (an error its Retry does not absorb): the rider is told to upload
    again and the execution fails (NotifyFailure, then the Fail state), and the module's
    ExecutionsFailed alarm notifies its topic. Once the service is back, scripts/redrive.py
    starts the execution anew with its input (--restart: a redrive would resume at the Fail state
    and fail again), and the photo is processed (it has no face: the refusal is notified).
    Earlier tests of this module fail executions too: the alarm is set back to OK first
    (SetAlarmState), so that it changes, and notifies, again."""
    import redrive

    outputs = workflow["rider_photo"]
    alarm = outputs["alarm_names"]["main-executions-failed"]
    inbox = AlarmInbox(local_aws, outputs["alarm_topic_arn"])
    local_aws.client("cloudwatch").set_alarm_state(
        AlarmName=alarm, StateValue="OK", StateReason="the test starts from OK"
    )
    detection = outputs["function_names"]["face_detection"]
    # The test root's Retry makes 2 attempts after the first; the transient error outlasts them.
    local_aws.inject_fault(detection, count=3, error_type="TransientServiceError")
    run = Run(
        local_aws, workflow, f"user_ops-{uuid.uuid4().hex[:4]}", "selfie.jpg", samples.no_face()
    )
    run.wait()
    assert (run.execution["status"], run.execution["error"]) == ("FAILED", "TransientServiceError")
    assert run.states == ["FaceDetection", "NotifyFailure", "PhotoFailed"]

    notice = inbox.wait(alarm, "ALARM")
    assert notice["Trigger"]["MetricName"] == "ExecutionsFailed"
    assert notice["Trigger"]["Dimensions"] == [
        {"value": outputs["state_machine_arn"], "name": "StateMachineArn"}
    ]

    lines: list[str] = []
    arguments = ["executions", "--state-machine", outputs["state_machine_arn"]]
    arguments += ["--execution", run.arn, "--restart", "--wait", "120"]
    code = redrive.main(arguments, client_factory=local_aws.client, out=lines.append)
    assert code == 0, lines
    rerun_arn = lines[-1].split()[-1]
    assert lines[-1].startswith("SUCCEEDED") and rerun_arn != run.arn, lines
    rerun = local_aws.client("stepfunctions").describe_execution(executionArn=rerun_arn)
    assert json.loads(rerun["input"]) == json.loads(run.execution["input"])
    assert json.loads(rerun["output"])["error"] == "PhotoDoesNotMeetRequirementError"


def test_happy_face_is_indexed_thumbnailed_and_recorded(local_aws, workflow, runs):
    run, outputs = runs["happy"], workflow["rider_photo"]
    assert run.execution["status"] == "SUCCEEDED", run.execution
    assert_happy_path(run.states)

    s3 = local_aws.client("s3")
    thumbnail = s3.get_object(Bucket=outputs["thumbnail_bucket"], Key=run.key)
    image = Image.open(io.BytesIO(thumbnail["Body"].read()))
    assert (image.format, image.size) == ("JPEG", (THUMBNAIL_MAX_SIZE, THUMBNAIL_MAX_SIZE))
    assert thumbnail["Metadata"]["user-id"] == run.user

    item = local_aws.client("dynamodb").get_item(
        TableName=outputs["table_name"], Key={"userId": {"S": run.user}}
    )["Item"]
    assert item["s3Bucket"]["S"] == outputs["photo_bucket"]
    assert item["s3Key"]["S"] == run.key
    assert item["thumbnailS3Bucket"]["S"] == outputs["thumbnail_bucket"]
    assert item["thumbnailS3Key"]["S"] == run.key
    assert (item["thumbnailWidth"]["N"], item["thumbnailHeight"]["N"]) == ("120", "120")
    assert float(item["faceConfidence"]["N"]) >= 90
    assert item["registeredAt"]["S"].endswith("Z")

    faces = faces_of(local_aws, outputs, run.user)
    assert [f["FaceId"] for f in faces] == [item["faceId"]["S"]]


def faces_of(local_aws, outputs: dict, user: str) -> list[dict]:
    faces = local_aws.client("rekognition").list_faces(CollectionId=outputs["collection_id"])[
        "Faces"
    ]
    return [f for f in faces if f.get("ExternalImageId") == user]


def test_a_smiling_rider_with_narrowed_eyes_is_registered(local_aws, workflow, runs):
    """A real photo (cut from insightface's card table): the local EyesOpen finds his narrowed
    eyes open, but not for sure; FaceDetection would refuse closed eyes only from the module's
    face_attribute_confidence (99, the default) anyway."""
    outputs = workflow["rider_photo"]
    detection = local_aws.client("lambda").get_function_configuration(
        FunctionName=outputs["function_names"]["face_detection"]
    )
    assert detection["Environment"]["Variables"]["FACE_ATTRIBUTE_CONFIDENCE"] == "99"
    user = f"user_s-{uuid.uuid4().hex[:4]}"
    photo = samples.smiling_narrowed_eyes()
    run = Run(local_aws, workflow, user, "selfie.jpg", photo).wait()
    assert registered(run), (run.execution, run.states)
    eyes = run.output["detectedFaceDetails"]["EyesOpen"]
    assert eyes["Value"] is True and eyes["Confidence"] < 99, eyes
    deregister(local_aws, outputs, [user])  # his face would refuse later riders with it


@pytest.mark.parametrize(
    ("case", "error", "reason", "path"),
    [
        ("sunglasses", "PhotoDoesNotMeetRequirementError", "Face is wearing sunglasses.", 1),
        ("several", "PhotoDoesNotMeetRequirementError", "Detected 2 faces in the photo", 1),
        ("no_face", "PhotoDoesNotMeetRequirementError", "No face was detected", 1),
        ("duplicate", "FaceAlreadyExistsError", "already in the system (rider user_a-", 2),
        ("registered", "RiderAlreadyRegisteredError", "already has a registered photo", 2),
    ],
)
def test_refused_photo_is_notified_and_leaves_nothing(
    local_aws, workflow, runs, case, error, reason, path
):
    run, outputs = runs[case], workflow["rider_photo"]
    assert run.execution["status"] == "SUCCEEDED", run.execution  # refusal is a handled outcome
    assert run.states == [*HAPPY_PATH[:path], "PhotoDoesNotMeetRequirement"]
    notice = run.output
    assert (notice["userId"], notice["s3Key"], notice["error"]) == (run.user, run.key, error)
    assert reason in notice["reason"]
    if case == "sunglasses":  # this rider's upload carried an email address
        assert notice["channel"] == "ses" and notice["messageId"]
    else:
        assert notice["channel"] == "sns"
        published = {k: v for k, v in notice.items() if k not in ("channel", "messageId")}
        assert published in sns_notifications(local_aws, workflow)
    assert_nothing_written(local_aws, outputs, run, registered=case == "registered")


def test_ses_email_was_sent(local_aws, workflow, runs):
    assert runs["sunglasses"].output["channel"] == "ses"
    quota = local_aws.client("ses").get_send_quota()
    assert quota["SentLast24Hours"] >= 1


_received: list[dict] = []


def sns_notifications(local_aws, workflow) -> list[dict]:
    """Every refusal published to the topic so far (read once through the test's SQS queue)."""
    sqs = local_aws.client("sqs")
    while True:
        messages = sqs.receive_message(
            QueueUrl=workflow["notification_queue_url"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        if not messages:
            return _received
        for message in messages:
            _received.append(json.loads(message["Body"]))
            sqs.delete_message(
                QueueUrl=workflow["notification_queue_url"], ReceiptHandle=message["ReceiptHandle"]
            )


@pytest.mark.parametrize(
    ("case", "error", "cause"),
    [
        ("not_an_image", "InvalidImageError", "is not an image"),
        ("truncated", "InvalidImageError", "corrupt or truncated JPEG"),
        ("huge", "ImageTooLargeError", "12000x12000 pixels"),
    ],
)
def test_bad_input_fails_clearly_and_leaves_nothing(local_aws, workflow, runs, case, error, cause):
    run, outputs = runs[case], workflow["rider_photo"]
    assert run.execution["status"] == "FAILED"
    assert run.execution["error"] == error
    assert cause in json.loads(run.execution["cause"])["errorMessage"]
    assert run.states == ["FaceDetection", *FAILED_PATH]
    assert_nothing_written(local_aws, outputs, run)
    (notice,) = notifications_of(local_aws, workflow, run)
    assert notice["error"] == error and cause in notice["reason"]


def assert_nothing_written(local_aws, outputs: dict, run: Run, registered: bool = False) -> None:
    s3 = local_aws.client("s3")
    listing = s3.list_objects_v2(
        Bucket=outputs["thumbnail_bucket"], Prefix=run.key.rsplit(".", 1)[0]
    )
    assert listing.get("KeyCount", 0) == 0
    item = (
        local_aws.client("dynamodb")
        .get_item(TableName=outputs["table_name"], Key={"userId": {"S": run.user}})
        .get("Item")
    )
    if registered:  # the earlier registration is kept as it was
        assert item["s3Key"]["S"] != run.key
        assert len(faces_of(local_aws, outputs, run.user)) == 1
    else:
        assert item is None
        assert faces_of(local_aws, outputs, run.user) == []


def test_redelivered_upload_event_starts_no_second_execution(local_aws, workflow, runs):
    run, outputs = runs["happy"], workflow["rider_photo"]
    head = local_aws.client("s3").head_object(Bucket=outputs["photo_bucket"], Key=run.key)
    event = {
        "Records": [
            {
                "s3": {
                    "bucket": {"name": outputs["photo_bucket"]},
                    "object": {"key": run.key, "eTag": head["ETag"].strip('"')},
                }
            }
        ]
    }
    response = local_aws.client("lambda").invoke(
        FunctionName=outputs["function_names"]["start"], Payload=json.dumps(event)
    )
    assert json.loads(response["Payload"].read()) == {"started": [], "skipped": [], "duplicates": 1}


def test_upload_without_user_folder_is_skipped(local_aws, workflow):
    outputs = workflow["rider_photo"]
    local_aws.client("s3").put_object(Bucket=outputs["photo_bucket"], Key="x.jpg", Body=b"x")
    event = {
        "Records": [
            {"s3": {"bucket": {"name": outputs["photo_bucket"]}, "object": {"key": "x.jpg"}}}
        ]
    }
    response = local_aws.client("lambda").invoke(
        FunctionName=outputs["function_names"]["start"], Payload=json.dumps(event)
    )
    assert json.loads(response["Payload"].read())["skipped"] == ["x.jpg"]


def test_an_event_the_start_function_fails_on_is_kept(local_aws, workflow):
    outputs = workflow["rider_photo"]
    assert_failed_event_is_dead_lettered(
        local_aws, outputs["function_names"]["start"], outputs["start_dead_letter_queue_url"]
    )


def test_transient_error_is_retried(local_aws, workflow, runs):
    run, outputs = runs["retried"], workflow["rider_photo"]
    assert run.execution["status"] == "SUCCEEDED", run.execution
    assert_happy_path(run.states)
    calls = local_aws.invocations(outputs["function_names"]["thumbnail"])
    injected = [c for c in calls if c["injected"]]
    assert [c["error_type"] for c in injected] == ["TransientServiceError"]
    assert calls[-1]["error_type"] is None  # the retry that wrote the thumbnail
    thumbnail = (
        local_aws.client("s3")
        .get_object(Bucket=outputs["thumbnail_bucket"], Key=f"{run.user}/selfie.jpg")["Body"]
        .read()
    )
    assert Image.open(io.BytesIO(thumbnail)).size == (THUMBNAIL_MAX_SIZE, THUMBNAIL_MAX_SIZE)


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_api_starts_an_execution_like_an_upload(local_aws, workflow, runs):
    outputs = workflow["rider_photo"]
    # A key without a user folder: the upload itself starts nothing, the API call does.
    key = f"api-{uuid.uuid4().hex[:6]}.jpg"
    local_aws.client("s3").put_object(
        Bucket=outputs["photo_bucket"], Key=key, Body=samples.no_face()
    )
    url = f"{local_aws.http_api_url(outputs['api_id'])}/photos"
    body = {"userId": f"user_api-{uuid.uuid4().hex[:4]}", "s3Bucket": outputs["photo_bucket"]}
    status, started = post_json(url, {**body, "s3Key": key})
    assert status == 200, started
    execution = wait_for_execution(local_aws, started["executionArn"], timeout=300)
    assert json.loads(execution["input"]) == {**body, "s3Key": key}
    # The same photo uploaded to <userId>/<file> took this path too.
    uploaded = runs["no_face"]
    assert execution["status"] == uploaded.execution["status"]
    assert json.loads(execution["output"])["error"] == uploaded.output["error"]
    assert outputs["api_id"] in outputs["api_endpoint"]


def test_deployed_state_machine_is_valid_and_every_task_retries(local_aws, workflow):
    assert_deployed_definition_is_sound(local_aws, workflow["rider_photo"]["state_machine_arn"])


def test_a_role_missing_one_statement_fails_the_workflow_with_access_denied(
    local_aws, workflow, runs
):
    """The roles are what AWS will enforce: the face-detection function's role without its
    DetectFaces statement fails the workflow with AccessDenied naming rekognition:DetectFaces
    (the local AWS evaluates IAM; see README "IAM on the local AWS")."""
    function = workflow["rider_photo"]["function_names"]["face_detection"]
    role = local_aws.client("lambda").get_function_configuration(FunctionName=function)["Role"]
    iam, role_name = local_aws.client("iam"), role.split("/")[-1]
    policy_name = iam.list_role_policies(RoleName=role_name)["PolicyNames"][0]
    granted = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    reduced = {
        **granted,
        "Statement": [s for s in granted["Statement"] if s.get("Sid") != "DetectFaces"],
    }
    assert len(reduced["Statement"]) == len(granted["Statement"]) - 1
    iam.put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(reduced)
    )
    try:
        run = Run(
            local_aws,
            workflow,
            f"user_z-{uuid.uuid4().hex[:4]}",
            "selfie.jpg",
            samples.happy_face(),
        ).wait()
    finally:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(granted)
        )
    assert run.execution["status"] == "FAILED"
    assert run.states == ["FaceDetection", *FAILED_PATH]
    cause = run.execution.get("cause", "")
    assert "AccessDenied" in cause
    assert (
        f"assumed-role/{role_name}/{function} is not authorized to perform: "
        "rekognition:DetectFaces" in cause
    )


def test_functions_are_created_from_the_uploaded_packages(local_aws, workflow):
    """package_upload: each zip uploaded under its function's name and content hash, and the
    function's code is that zip (CodeSha256 is the base64 SHA-256 of the package)."""
    s3, functions = local_aws.client("s3"), local_aws.client("lambda")
    bucket = workflow["package_bucket"]
    for name in workflow["rider_photo"]["function_names"].values():
        [package] = s3.list_objects_v2(Bucket=bucket, Prefix=f"lambda/{name}/")["Contents"]
        body = s3.get_object(Bucket=bucket, Key=package["Key"])["Body"].read()
        assert package["Key"] == f"lambda/{name}/{hashlib.sha256(body).hexdigest()}.zip"
        code_sha = functions.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
        assert code_sha == base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_a_second_plan_is_empty(deployments, workflow, runs):
    """After the runs (and the role restored above): nothing drifts, and every resource reads
    back as applied (a plan refreshes; the root's destroy does not read them again)."""
    root, _ = deployments.wait("rider_photo")
    changes = root.plan_changes()
    assert changes is None, changes[-3000:]
