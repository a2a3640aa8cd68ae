-- Managed policies and their versions, inline policies, groups, attachments.
CREATE TABLE managed_policies (
    policy_id        TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    policy_name      TEXT NOT NULL,
    policy_name_key  TEXT NOT NULL,
    path             TEXT NOT NULL,
    description      TEXT,
    default_version  TEXT NOT NULL,
    next_version     INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    tags             TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT managed_policies_name_unique UNIQUE (account_id, policy_name_key)
);

CREATE TABLE policy_versions (
    policy_id   TEXT NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    document    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CONSTRAINT policy_versions_pkey PRIMARY KEY (policy_id, version_id)
);

CREATE TABLE iam_groups (
    group_id        TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (account_id),
    group_name      TEXT NOT NULL,
    group_name_key  TEXT NOT NULL,
    path            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    CONSTRAINT groups_name_unique UNIQUE (account_id, group_name_key)
);

CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES iam_groups (group_id),
    user_id   TEXT NOT NULL REFERENCES users (user_id),
    added_at  TEXT NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE inline_policies (
    principal_id  TEXT NOT NULL,
    policy_name   TEXT NOT NULL,
    document      TEXT NOT NULL,
    CONSTRAINT inline_policies_pkey PRIMARY KEY (principal_id, policy_name)
);

CREATE TABLE policy_attachments (
    principal_id  TEXT NOT NULL,
    policy_id     TEXT NOT NULL REFERENCES managed_policies (policy_id),
    account_id    TEXT NOT NULL,
    attached_at   TEXT NOT NULL,
    CONSTRAINT policy_attachments_pkey PRIMARY KEY (principal_id, policy_id)
);
CREATE INDEX policy_attachments_policy ON policy_attachments (account_id, policy_id);

-- The AWS managed policies every account can attach.
INSERT INTO managed_policies (policy_id, account_id, policy_name, policy_name_key, path,
    description, default_version, next_version, created_at, updated_at)
VALUES
    ('ANPAIWMBCKSKIEE64ZLYK', 'aws', 'AdministratorAccess', 'administratoraccess', '/',
     'Provides full access to AWS services and resources.', 'v1', 2,
     '2015-02-06T18:39:46Z', '2015-02-06T18:39:46Z'),
    ('ANPAJKSO7NDY4T57MWDSQ', 'aws', 'IAMReadOnlyAccess', 'iamreadonlyaccess', '/',
     'Provides read only access to IAM via the AWS Management Console.', 'v1', 2,
     '2015-02-06T18:40:44Z', '2015-02-06T18:40:44Z');

INSERT INTO policy_versions (policy_id, version_id, document, created_at)
VALUES
    ('ANPAIWMBCKSKIEE64ZLYK', 'v1',
     '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
     '2015-02-06T18:39:46Z'),
    ('ANPAJKSO7NDY4T57MWDSQ', 'v1',
     '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}',
     '2015-02-06T18:40:44Z');
