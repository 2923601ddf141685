// Every operation in openapi.yaml, by operationId, bound to its handler. `satisfies Handlers`
// makes a missing, misspelt or mistyped handler a compile error; test/contract/routes.test.ts
// checks the same both ways at run time.
import type { Handlers } from './contract/handler-types.js';
import * as health from './health/health.handlers.js';
import * as tasks from './tasks/task.handlers.js';

export const handlers = {
  getHealth: health.getHealth,
  getReady: health.getReady,

  listTasks: tasks.listTasks,
  createTask: tasks.createTask,
  getTask: tasks.getTask,
  replaceTask: tasks.replaceTask,
  updateTask: tasks.updateTask,
  completeTask: tasks.completeTask,
  deleteTask: tasks.deleteTask,
  getTaskStats: tasks.getTaskStats,

  // The per-user family: same handlers, the path's user_id already checked against the token.
  listUserTasks: tasks.listTasks,
  createUserTask: tasks.createTask,
  getUserTask: tasks.getTask,
  replaceUserTask: tasks.replaceTask,
  updateUserTask: tasks.updateTask,
  completeUserTask: tasks.completeTask,
  deleteUserTask: tasks.deleteTask,
  getUserTaskStats: tasks.getTaskStats,
} satisfies Handlers;
