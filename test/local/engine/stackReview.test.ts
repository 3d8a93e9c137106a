import { describeStack } from "./matrix";
import { REVIEW_STACK } from "./support";

// Review stacks are actions only: rules are tenant-wide (scripts/review-stack-config.ts).
describeStack(REVIEW_STACK, ["actions"]);
