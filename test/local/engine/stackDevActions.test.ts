import { describeStack } from "./matrix";

describeStack("dev", ["actions"]);
