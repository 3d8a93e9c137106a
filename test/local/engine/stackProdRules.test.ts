import { describeStack } from "./matrix";

describeStack("prod", ["rules"]);
