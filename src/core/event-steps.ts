/**
 * What the one-step root action does for the ref it runs on, as DESIGN.md's triggers say: a
 * release tag builds the immutable image, publishes the release and deploys prod; a push to the
 * main branch builds `latest` and deploys dev; any other ref only previews the version.
 */
export interface EventStepsInput {
  ref: string;
  /** On a tag ref: the tag passed the check and is a release. */
  released: boolean;
  mainBranch: string;
  /** An image name was given: build and push. */
  image: boolean;
  /** Deploy after the build: prod for a release, dev for main. */
  deploy: boolean;
}

export interface EventSteps {
  kind: 'release' | 'main' | 'preview';
  image: 'release' | 'main' | null;
  publishRelease: boolean;
  deploy: 'prod' | 'dev' | null;
}

export function eventSteps(input: EventStepsInput): EventSteps {
  const kind = input.ref.startsWith('refs/tags/') ? (input.released ? 'release' : 'preview') : input.ref === `refs/heads/${input.mainBranch}` ? 'main' : 'preview';
  if (kind === 'preview') return { kind, image: null, publishRelease: false, deploy: null };
  const image = input.image ? kind : null;
  // A deploy needs the image this run published: there is nothing else to pin prod or dev to.
  const deploy = input.deploy && image ? (kind === 'release' ? 'prod' : 'dev') : null;
  return { kind, image, publishRelease: kind === 'release', deploy };
}
