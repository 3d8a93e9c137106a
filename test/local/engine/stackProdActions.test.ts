import { describeStack } from "./matrix";

describeStack("prod", ["actions"]);
