import { describeStack } from "./matrix";

describeStack("dev", ["rules"]);
